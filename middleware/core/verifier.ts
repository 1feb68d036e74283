import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { ERRORS, type ErrorName, GatehouseError } from '../../src/errors/index.ts';
import { extractCredential, type RequestLike } from '../../src/pipeline/extract.ts';
import { type Principal, principalFromClaims, principalFromDecision } from './principal.ts';

export interface GatehouseVerifierOptions {
  /** Where Gatehouse answers, e.g. `http://127.0.0.1:8080` (its JWKS and decision API live there). */
  readonly url: string;
  /** Expected `iss` of access tokens (default: `url`; Gatehouse's `publicUrl`). */
  readonly issuer?: string;
  /** Expected `aud` (default `gatehouse`). */
  readonly audience?: string;
  /** Accepted signing algorithms (default RS256, ES256, EdDSA); `none` and HMAC are never accepted. */
  readonly algorithms?: readonly ('RS256' | 'ES256' | 'EdDSA' | 'PS256' | 'RS384' | 'ES384')[];
  /** Seconds of clock skew tolerated on `exp`/`nbf` (default 30). */
  readonly clockSkew?: number;
  /** How long a decision API answer (API keys) is reused, ms (default 10 000, at most 60 000). */
  readonly cacheTtlMs?: number;
  /** Also confirm tokens bound to a login session with the decision API (a revoked session stops within `cacheTtlMs`). */
  readonly checkRevocation?: boolean;
  /** Epoch ms now (tests pass a frozen clock). */
  readonly now?: () => number;
  /** The fetch to call Gatehouse with (default: global fetch). */
  readonly fetch?: typeof fetch;
}

export interface GatehouseVerifier {
  /** The Principal of a request, or throws the `GatehouseError` Gatehouse itself would answer (401/400/429/503). */
  verify(req: RequestLike): Promise<Principal>;
}

interface Cached {
  readonly until: number;
  readonly principal?: Principal;
  readonly error?: GatehouseError;
}

const CACHE_MAX = 10_000;

/** The Gatehouse error a jose failure stands for. */
function fromJose(err: unknown): GatehouseError {
  if (err instanceof joseErrors.JWTExpired) return new GatehouseError('token_expired', 'Token has expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new GatehouseError('invalid_issuer', 'Invalid issuer');
    if (err.claim === 'aud') return new GatehouseError('invalid_audience', 'Invalid audience');
    if (err.claim === 'nbf' || err.claim === 'iat') return new GatehouseError('token_not_yet_valid', 'Token is not yet valid');
    return new GatehouseError('invalid_token', `Invalid claim ${err.claim}`);
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return new GatehouseError('unknown_signing_key', 'Unable to find matching public key');
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new GatehouseError('unsupported_algorithm', 'Unsupported algorithm');
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || err instanceof TypeError)
    return new GatehouseError('issuer_unavailable', 'Gatehouse JWKS could not be fetched');
  return new GatehouseError('invalid_token', 'Invalid token');
}

/** Rebuilds the error a decision API problem body names (unknown names become `invalid_token`). */
function fromProblem(status: number, body: unknown, retryAfter: string | null): GatehouseError {
  const b = (body ?? {}) as { error?: unknown; detail?: unknown };
  const name =
    typeof b.error === 'string' && b.error in ERRORS ? (b.error as ErrorName) : status === 429 ? 'rate_limited' : 'invalid_token';
  const detail = typeof b.detail === 'string' ? b.detail.slice(0, 300) : undefined;
  return new GatehouseError(
    name,
    detail,
    retryAfter !== null && Number.isFinite(Number(retryAfter)) ? { retryAfter: Number(retryAfter) } : {},
  );
}

/**
 * Verifies requests for the framework middleware: Gatehouse access tokens locally against the
 * JWKS (cached and rotation-aware: an unknown `kid` refetches), with the server's strict checks
 * (alg allowlist, `typ: at+jwt`, iss, aud, exp, required claims); API keys (and, with
 * `checkRevocation`, session-bound tokens) through `POST /v1/auth/check`, whose answers are kept
 * for `cacheTtlMs`. Fails closed: Gatehouse unreachable is a 503.
 *
 * @example
 * const verifier = createGatehouseVerifier({ url: 'http://127.0.0.1:8080' });
 * const principal = await verifier.verify({ headers: req.headers, ip: req.socket.remoteAddress ?? '' });
 */
export function createGatehouseVerifier(opts: GatehouseVerifierOptions): GatehouseVerifier {
  const base = opts.url.replace(/\/$/, '');
  const issuer = opts.issuer ?? base;
  const audience = opts.audience ?? 'gatehouse';
  const algorithms = [...(opts.algorithms ?? ['RS256', 'ES256', 'EdDSA'])];
  const ttl = Math.min(Math.max(opts.cacheTtlMs ?? 10_000, 0), 60_000);
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? fetch;
  const jwks = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`), { cooldownDuration: 5_000, cacheMaxAge: 600_000 });
  const cache = new Map<string, Cached>();

  async function decide(headerName: 'authorization' | 'x-api-key', headerValue: string, ip: string): Promise<Principal> {
    const key = createHash('sha256').update(headerValue).digest('base64url');
    const t = now();
    const hit = cache.get(key);
    if (hit !== undefined && hit.until > t) {
      if (hit.error) throw hit.error;
      if (hit.principal) return hit.principal;
    }
    let res: Response;
    try {
      res = await doFetch(`${base}/v1/auth/check`, {
        method: 'POST',
        headers: { [headerName]: headerValue, 'content-type': 'application/json', ...(ip !== '' ? { 'x-forwarded-for': ip } : {}) },
        body: '{}',
      });
    } catch {
      throw new GatehouseError('issuer_unavailable', 'Gatehouse could not be reached');
    }
    const body: unknown = await res.json().catch(() => null);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    if (res.status === 200) {
      const principal = principalFromDecision(body);
      const until = Math.min(t + ttl, principal.expiresAt ?? Number.POSITIVE_INFINITY);
      cache.set(key, { until, principal });
      return principal;
    }
    if (res.status >= 500) throw new GatehouseError('issuer_unavailable', 'Gatehouse could not decide');
    const error = fromProblem(res.status, body, res.headers.get('retry-after'));
    if (res.status === 401) cache.set(key, { until: t + ttl, error });
    throw error;
  }

  return {
    async verify(req) {
      const cred = extractCredential(req);
      if (cred === undefined) throw new GatehouseError('credentials_missing', 'Authentication required');
      const headerName = cred.source === 'x-api-key' ? 'x-api-key' : 'authorization';
      const headerValue = cred.source === 'x-api-key' ? cred.value : `${cred.source === 'bearer' ? 'Bearer' : 'Api-Key'} ${cred.value}`;
      if (cred.value.split('.').length !== 3) return decide(headerName, headerValue, req.ip);
      let principal: Principal;
      try {
        const { payload } = await jwtVerify(cred.value, jwks, {
          algorithms,
          issuer,
          audience,
          typ: 'at+jwt',
          clockTolerance: opts.clockSkew ?? 30,
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'jti', 'iat', 'exp', 'org_id'],
        });
        principal = principalFromClaims(payload);
      } catch (err) {
        throw fromJose(err);
      }
      if (opts.checkRevocation && principal.sessionId !== undefined) return decide(headerName, headerValue, req.ip);
      return principal;
    },
  };
}
