import { lookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Config } from '../../config/index.ts';
import { ExpiringCache } from '../../lib/expiring-cache.ts';
import { OAuthError } from '../errors.ts';
import { isNonPublicAddress } from './address-guard.ts';
import { type Client, clientFromMetadata } from './client.ts';
import { validateClientMetadata } from './metadata.ts';

const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_TTL_MS = 24 * 3_600_000;

/** Why a metadata document was refused; the message is public (no secret in it). */
const refused = (why: string) => new OAuthError('invalid_client', `Client metadata document refused: ${why}`);

/** Is `value` a client id that names a metadata document (an https URL with a path)? */
export function isMetadataDocumentId(value: string, allowHttp = false): boolean {
  if (value.length > 2000) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return false;
  if (url.hash !== '' || url.username !== '' || url.password !== '' || url.pathname === '/' || url.href !== value) return false;
  return !/\/\.\.?(\/|$)/.test(url.pathname);
}

/** A DNS lookup that refuses non-public addresses, so the checked address is the one connected to. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = Array.isArray(addresses) ? addresses : [];
      const usable = allowPrivate ? list : list.filter((a) => !isNonPublicAddress(a.address));
      const first = usable[0];
      if (first === undefined) return callback(Object.assign(new Error('non-public address'), { code: 'EGATEHOUSE_PRIVATE' }), '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
      callback(null, first.address, first.family);
    });
  };
}

function maxAge(cacheControl: string | undefined): number {
  if (cacheControl === undefined) return DEFAULT_TTL_MS;
  if (/(^|,)\s*(no-store|no-cache)\b/i.test(cacheControl)) return 0;
  const m = /(?:^|,)\s*max-age=(\d+)/i.exec(cacheControl);
  return m?.[1] === undefined ? DEFAULT_TTL_MS : Math.min(MAX_TTL_MS, Number(m[1]) * 1000);
}

/** GET with a guarded lookup, no redirects, a time limit and a size cap. */
function get(url: string, timeoutMs: number, maxBytes: number, allowPrivate: boolean): Promise<{ body: string; ttl: number }> {
  const mod = url.startsWith('https:') ? https : http;
  // An address literal is connected to without a lookup: check it here.
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) !== 0 && isNonPublicAddress(host)) {
    return Promise.reject(refused('the host resolves to a non-public address'));
  }
  return new Promise((resolve, reject) => {
    const req = mod.get(
      url,
      { lookup: guardedLookup(allowPrivate), timeout: timeoutMs, headers: { accept: 'application/json' } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(refused(`HTTP ${res.statusCode ?? 0}`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy();
            reject(refused(`larger than ${maxBytes} bytes`));
          } else chunks.push(c);
        });
        res.on('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8'), ttl: maxAge(res.headers['cache-control']) }));
        res.on('error', () => reject(refused('read failed')));
      },
    );
    req.on('timeout', () => req.destroy(refused('timed out')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof OAuthError) return reject(err);
      reject(refused(err.code === 'EGATEHOUSE_PRIVATE' ? 'the host resolves to a non-public address' : 'unreachable'));
    });
  });
}

export interface MetadataDocumentResolver {
  resolve(clientId: string, now: number): Promise<Client>;
}

/**
 * Client ID Metadata Documents: an https `client_id` is fetched (SSRF-guarded: public addresses
 * only unless configured for tests, no redirects, time and size limits), validated (its
 * `client_id` equals its URL; public or private_key_jwt clients only) and cached per its
 * Cache-Control (at most a day).
 */
export function createMetadataDocumentResolver(config: Config): MetadataDocumentResolver {
  const cache = new ExpiringCache<Client>(1000);
  const allowPrivate = config.oauthCimdAllowPrivateAddresses;
  return {
    async resolve(clientId, now) {
      const hit = cache.get(clientId, now);
      if (hit) return hit;
      if (!isMetadataDocumentId(clientId, allowPrivate)) throw refused('client_id is not an https URL with a path');
      const { body, ttl } = await get(clientId, config.oauthCimdTimeout * 1000, config.oauthCimdMaxBytes, allowPrivate);
      let doc: unknown;
      try {
        doc = JSON.parse(body);
      } catch {
        throw refused('not JSON');
      }
      const d = doc as Record<string, unknown> | null;
      if (d === null || typeof d !== 'object' || d.client_id !== clientId) throw refused('its client_id is not its own URL');
      if (d.client_secret !== undefined || d.client_secret_expires_at !== undefined) throw refused('it must not hold a client secret');
      let metadata: ReturnType<typeof validateClientMetadata>;
      try {
        metadata = validateClientMetadata(d, { authMethod: 'none' });
      } catch (err) {
        throw refused(err instanceof OAuthError ? err.description : 'invalid metadata');
      }
      if (metadata.token_endpoint_auth_method !== 'none' && metadata.token_endpoint_auth_method !== 'private_key_jwt') {
        throw refused('only none and private_key_jwt are possible without registration');
      }
      if (metadata.grant_types.includes('client_credentials')) throw refused('client_credentials needs a registered client');
      const client = clientFromMetadata(clientId, metadata);
      if (ttl > 0) cache.set(clientId, client, now + ttl);
      return client;
    },
  };
}
