import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/** Prefixes of every id Gatehouse mints. */
export type IdPrefix = 'org' | 'usr' | 'spc' | 'ses' | 'key' | 'cli' | 'evt' | 'inv' | 'sgk' | 'req' | 'res' | 'cns' | 'idn';

/**
 * A prefixed, opaque, time-sortable id (`usr_01jd…`, 26 characters after the prefix): 48 bits of
 * milliseconds then 80 random bits, so ids sort by creation and serve as pagination cursors.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const rand = randomBytes(10);
  let out = '';
  let t = now;
  for (let i = 9; i >= 0; i--) {
    out = (ALPHABET[t % 32] ?? '0') + out;
    t = Math.floor(t / 32);
  }
  let acc = 0;
  let bits = 0;
  for (const byte of rand) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
  }
  return `${prefix}_${out}`;
}

const ID_SHAPE = /^[a-z]{3}_[0-9a-hjkmnp-tv-z]{26}$/;

/** True when `value` has the shape of an id with this prefix (no storage lookup). */
export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_SHAPE.test(value);
}
