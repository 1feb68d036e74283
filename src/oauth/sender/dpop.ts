import { createHash, createHmac } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import type { Config } from '../../config/index.ts';
import { constantTimeEqual } from '../../lib/secure.ts';
import type { ReplayCache } from '../replay-cache.ts';

/** Why a proof was refused; each caller words it for its own protocol (RFC 6749 body or RFC 6750 challenge). */
export type DpopFailureKind = 'invalid' | 'nonce' | 'replayed';

export class DpopFailure extends Error {
  override readonly name = 'DpopFailure';
  constructor(
    readonly kind: DpopFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** What a proof must match. */
export interface DpopTarget {
  /** The request method (`htm`). */
  readonly method: string;
  /** The request URL (`htu`), compared without query and fragment. */
  readonly url: string;
  /** On a protected request: the access token, whose hash the proof's `ath` must be. */
  readonly accessToken?: string;
}

export interface DpopVerifier {
  readonly algorithms: readonly string[];
  /** Verifies one proof (the single `DPoP` header value); answers the RFC 7638 thumbprint of its key. */
  verify(proof: string | string[] | undefined, target: DpopTarget): Promise<{ jkt: string }>;
  /** A nonce the server accepts now (and for the next window): for `DPoP-Nonce` headers. */
  nonce(): string;
  /** True when nonces are required, so every DPoP answer should carry a fresh one. */
  readonly requiresNonce: boolean;
}

const NONCE_WINDOW_MS = 5 * 60_000;
const JTI = /^[\x21-\x7e]{8,200}$/;

/** `htu` comparison per RFC 9449 §4.3: scheme, host, port and path; no query, no fragment. */
function normalizeUrl(value: string): string | undefined {
  try {
    const u = new URL(value);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return undefined;
  }
}

/** base64url SHA-256 of the access token, as `ath` carries it. */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * DPoP proof verification (RFC 9449 §4.3) with jose: `typ` dpop+jwt, an allowlisted asymmetric
 * `alg`, a public `jwk` in the header that verifies the signature, `htm`/`htu` of this request,
 * `iat` within `dpopProofMaxAge` (+ `clockSkew`), `ath` on protected requests, the server nonce
 * when required, and a `jti` used once (through the shared replay cache).
 *
 * @example
 * const dpop = createDpopVerifier({ config, clock, secrets, replay });
 * const { jkt } = await dpop.verify(request.headers.dpop, { method: 'POST', url: tokenEndpoint });
 */
export function createDpopVerifier(deps: { config: Config; clock: { now(): number }; pepper: Buffer; replay: ReplayCache }): DpopVerifier {
  const { config, clock, pepper, replay } = deps;
  const algorithms: readonly string[] = [...config.dpopSigningAlgs];
  const windowMac = (w: number) => createHmac('sha256', pepper).update(`dpop-nonce:${w}`).digest('base64url').slice(0, 22);
  const nonceFor = (w: number) => `${w.toString(36)}.${windowMac(w)}`;

  function nonceValid(value: unknown): boolean {
    if (typeof value !== 'string' || value.length > 64) return false;
    const dot = value.indexOf('.');
    const w = Number.parseInt(value.slice(0, dot), 36);
    const current = Math.floor(clock.now() / NONCE_WINDOW_MS);
    if (!Number.isSafeInteger(w) || (w !== current && w !== current - 1)) return false;
    return constantTimeEqual(value, nonceFor(w));
  }

  return {
    algorithms,
    requiresNonce: config.dpopRequireNonce,
    nonce: () => nonceFor(Math.floor(clock.now() / NONCE_WINDOW_MS)),
    async verify(header, target) {
      if (header === undefined || header === '') throw new DpopFailure('invalid', 'A DPoP proof is required');
      if (Array.isArray(header) || header.includes(',')) throw new DpopFailure('invalid', 'Send exactly one DPoP proof');
      if (header.length > 8192) throw new DpopFailure('invalid', 'The DPoP proof is too large');
      let jwk: JWK;
      let alg: string;
      try {
        const h = decodeProtectedHeader(header);
        if (h.typ !== 'dpop+jwt') throw new DpopFailure('invalid', 'The DPoP proof typ must be dpop+jwt');
        if (typeof h.alg !== 'string' || !algorithms.includes(h.alg))
          throw new DpopFailure('invalid', `The DPoP proof alg must be one of ${algorithms.join(', ')}`);
        if (h.jwk === undefined || typeof h.jwk !== 'object' || 'd' in h.jwk || h.jwk.kty === 'oct')
          throw new DpopFailure('invalid', 'The DPoP proof must carry the public jwk');
        jwk = h.jwk;
        alg = h.alg;
      } catch (err) {
        if (err instanceof DpopFailure) throw err;
        throw new DpopFailure('invalid', 'The DPoP proof is not a JWS');
      }
      let payload: Record<string, unknown>;
      try {
        const key = await importJWK(jwk, alg);
        ({ payload } = await jwtVerify(header, key, {
          typ: 'dpop+jwt',
          algorithms: [alg],
          currentDate: new Date(clock.now()),
          clockTolerance: config.clockSkew,
          requiredClaims: ['jti', 'htm', 'htu', 'iat'],
        }));
      } catch {
        throw new DpopFailure('invalid', 'The DPoP proof signature or claims do not verify');
      }
      if (payload.htm !== target.method) throw new DpopFailure('invalid', 'The DPoP proof htm does not match the request method');
      const htu = typeof payload.htu === 'string' ? normalizeUrl(payload.htu) : undefined;
      if (htu === undefined || htu !== normalizeUrl(target.url))
        throw new DpopFailure('invalid', 'The DPoP proof htu does not match the request URL');
      const now = clock.now();
      const iat = Number(payload.iat) * 1000;
      const window = (config.dpopProofMaxAge + config.clockSkew) * 1000;
      if (!Number.isFinite(iat) || Math.abs(now - iat) > window)
        throw new DpopFailure('invalid', 'The DPoP proof iat is outside the accepted window');
      if (target.accessToken !== undefined) {
        if (typeof payload.ath !== 'string' || !constantTimeEqual(payload.ath, accessTokenHash(target.accessToken)))
          throw new DpopFailure('invalid', 'The DPoP proof ath does not match the access token');
      }
      if (config.dpopRequireNonce && !nonceValid(payload.nonce)) throw new DpopFailure('nonce', 'Use the DPoP-Nonce the server sent');
      if (typeof payload.jti !== 'string' || !JTI.test(payload.jti)) throw new DpopFailure('invalid', 'The DPoP proof jti is invalid');
      const jkt = await calculateJwkThumbprint(jwk, 'sha256');
      if (!(await replay.firstUse('dpop', `${jkt} ${payload.jti}`, iat + window + 1000)))
        throw new DpopFailure('replayed', 'The DPoP proof was already used');
      return { jkt };
    },
  };
}
