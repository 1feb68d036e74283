import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { IDENTITY_HEADER_PREFIX } from '../identity-headers.ts';

/** RFC 9110 §7.6.1 hop-by-hop headers, never forwarded (an upgrade re-adds its own). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** The caller's credentials: the upstream gets identity headers instead. */
const CREDENTIALS = new Set(['authorization', 'x-api-key']);

function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const c = headers.connection;
  return new Set(
    (Array.isArray(c) ? c.join(',') : (c ?? ''))
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The headers the upstream receives: the caller's, minus hop-by-hop headers, its credential and
 * any `X-Gatehouse-*` it sent; plus the decided identity, `X-Forwarded-*` and the request id.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  identity: Readonly<Record<string, string>>,
  facts: { readonly ip: string; readonly proto: string; readonly requestId: string; readonly upgrade?: string },
): OutgoingHttpHeaders {
  const named = connectionTokens(incoming);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || CREDENTIALS.has(name) || name.startsWith(IDENTITY_HEADER_PREFIX))
      continue;
    out[name] = value;
  }
  Object.assign(out, identity);
  const prior = incoming['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${facts.ip}` : facts.ip;
  if (incoming.host !== undefined) out['x-forwarded-host'] = incoming.host;
  out['x-forwarded-proto'] = facts.proto;
  out['x-request-id'] = facts.requestId;
  if (facts.upgrade !== undefined) {
    out.connection = 'Upgrade';
    out.upgrade = facts.upgrade;
  }
  return out;
}

/** The upstream's response headers for the caller, minus hop-by-hop ones. */
export function clientResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(incoming);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}
