import { createPublicKey, type KeyObject } from 'node:crypto';
import { GatehouseError } from '../errors/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { JwsHeader } from '../tokens/jws.ts';
import { FetchError, fetchJson } from './fetch-json.ts';

export interface JwksSource {
  readonly issuer: string;
  /** Known JWKS URL, or undefined to discover it. */
  readonly jwksUri: string | undefined;
}

export interface JwksLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly refetchMs: number;
}

const trim = (s: string) => s.replace(/\/+$/, '');

/** The keys of a JWKS document that can verify signatures (public members only). */
function parseKeys(doc: unknown): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const list =
    doc && typeof doc === 'object' && Array.isArray((doc as { keys?: unknown }).keys) ? (doc as { keys: unknown[] }).keys : undefined;
  if (!list) throw new FetchError('JWKS has no "keys" array');
  list.forEach((jwk, i) => {
    if (!jwk || typeof jwk !== 'object') return;
    const j = jwk as Record<string, unknown>;
    if (j.use !== undefined && j.use !== 'sig') return;
    if (j.kty !== 'RSA' && j.kty !== 'EC' && j.kty !== 'OKP') return;
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = j;
    try {
      keys.set(typeof j.kid === 'string' ? j.kid : `#${i}`, createPublicKey({ key: pub as never, format: 'jwk' }));
    } catch {
      // An unusable key is skipped; the others still serve.
    }
  });
  return keys;
}

/**
 * One issuer's signing keys: fetched with a timeout and size cap, cached, refetched when a token
 * names an unknown `kid` at most once per `refetchMs`, and served from cache while the issuer is
 * down. Keys come only from the issuer's own JWKS, never from a token.
 */
export class JwksCache {
  private keys: Map<string, KeyObject> | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private warned = false;
  fetches = 0;

  constructor(
    private readonly source: JwksSource,
    private readonly limits: JwksLimits,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  private async jwksUri(): Promise<string> {
    if (this.source.jwksUri !== undefined) return this.source.jwksUri;
    const meta = await fetchJson(
      `${trim(this.source.issuer)}/.well-known/openid-configuration`,
      this.limits.timeoutMs,
      this.limits.maxBytes,
    );
    const m = meta as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof m.issuer !== 'string' || trim(m.issuer) !== trim(this.source.issuer))
      throw new FetchError('discovery document names another issuer');
    if (typeof m.jwks_uri !== 'string' || !/^https?:\/\//.test(m.jwks_uri)) throw new FetchError('discovery document has no jwks_uri');
    return m.jwks_uri;
  }

  private refresh(): Promise<void> {
    this.inflight ??= (async () => {
      this.lastAttempt = this.clock.now();
      this.fetches++;
      try {
        this.keys = parseKeys(await fetchJson(await this.jwksUri(), this.limits.timeoutMs, this.limits.maxBytes));
        this.warned = false;
      } catch (err) {
        if (!this.warned)
          this.log.warn(
            { issuer: this.source.issuer, reason: (err as Error).message },
            'external issuer keys unavailable; serving cached keys',
          );
        this.warned = true;
        if (!(err instanceof FetchError)) throw err;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  private pick(header: JwsHeader): KeyObject | undefined {
    if (!this.keys) return undefined;
    if (header.kid !== undefined) return this.keys.get(header.kid);
    return this.keys.size === 1 ? this.keys.values().next().value : undefined;
  }

  /** The key for a token header; refetches once (rate-limited) on a miss. */
  async resolve(header: JwsHeader): Promise<KeyObject> {
    if (!this.keys) await this.refresh();
    let key = this.pick(header);
    if (!key && this.keys && this.clock.now() - this.lastAttempt >= this.limits.refetchMs) {
      await this.refresh();
      key = this.pick(header);
    }
    if (key) return key;
    if (!this.keys) throw new GatehouseError('issuer_unavailable', "The identity provider's keys could not be fetched");
    throw new GatehouseError('unknown_signing_key', 'Unable to find matching public key');
  }
}
