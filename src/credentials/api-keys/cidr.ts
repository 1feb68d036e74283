import { BlockList, isIP } from 'node:net';

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address; throws a message on anything else. */
function addTo(list: BlockList, cidr: string): void {
  const [addr = '', bits] = cidr.split('/');
  const family = isIP(addr);
  if (family === 0) throw new Error(`not an IP address or CIDR: ${cidr.slice(0, 60)}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(addr, type);
    return;
  }
  const prefix = Number(bits);
  if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`bad prefix length in ${cidr.slice(0, 60)}`);
  list.addSubnet(addr, prefix, type);
}

/** A compiled allowlist; `allows(ip)` also understands IPv4-mapped IPv6 peers. */
export function compileAllowlist(cidrs: readonly string[]): { allows(ip: string): boolean } {
  const list = new BlockList();
  for (const c of cidrs) addTo(list, c);
  return {
    allows(ip) {
      const v4 = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
      const family = isIP(v4);
      return family !== 0 && list.check(v4, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** Throws a message for the first invalid entry. */
export function validateCidrs(cidrs: readonly string[]): void {
  compileAllowlist(cidrs);
}
