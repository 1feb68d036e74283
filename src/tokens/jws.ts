import { createHmac, verify as cryptoVerify, type KeyObject, timingSafeEqual } from 'node:crypto';
import { GatehouseError } from '../errors/index.ts';
import { BODY_MAX_DEPTH, exceedsDepth } from '../lib/json-depth.ts';

/** Algorithms Gatehouse ever accepts. `none` and anything else are refused before any key lookup. */
export type JwsAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'HS256'
  | 'HS384'
  | 'HS512';

export interface JwsHeader {
  readonly alg: JwsAlgorithm;
  readonly kid?: string;
  readonly typ?: string;
}

/** Finds the verification key for a header; throws `unknown_signing_key` when there is none. */
export type KeyResolver = (header: JwsHeader) => KeyObject | Promise<KeyObject>;

export interface JwtVerifyOptions {
  /** Strict allowlist; `alg` outside it fails with `unsupported_algorithm`. */
  readonly algorithms: readonly JwsAlgorithm[];
  readonly issuer?: string | readonly string[];
  readonly audience?: string | readonly string[];
  /** Seconds of tolerance for exp, nbf and iat. */
  readonly clockSkew: number;
  /** Current time, epoch milliseconds. */
  readonly now: number;
  /** Expected `typ` header (case-insensitive, `application/` prefix optional). */
  readonly typ?: string;
  /** Claims that must be present. `exp` is required unless `requireExp` is false. */
  readonly requiredClaims?: readonly string[];
  /** Default true; false only for an issuer the operator explicitly allowed to omit `exp`. */
  readonly requireExp?: boolean;
}

export type JwtPayload = Readonly<Record<string, unknown>> & {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | readonly string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly jti?: string;
};

export interface VerifiedJwt {
  readonly header: JwsHeader;
  readonly payload: JwtPayload;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const HASH: Readonly<Record<string, string>> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
const CURVE: Readonly<Record<string, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };
const SIG_LENGTH: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };

const invalid = (detail: string) => new GatehouseError('invalid_token', detail);

/** Whether a JSON text has more `{` and `[` than `max`: only then can it nest deeper than `max`. */
function mayNestDeeperThan(text: string, max: number): boolean {
  let opened = 0;
  for (let i = text.indexOf('{'); i !== -1 && opened <= max; i = text.indexOf('{', i + 1)) opened++;
  for (let i = text.indexOf('['); i !== -1 && opened <= max; i = text.indexOf('[', i + 1)) opened++;
  return opened > max;
}

function decodeJson(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  let text: string;
  try {
    text = Buffer.from(segment, 'base64url').toString('utf8');
    value = JSON.parse(text);
  } catch {
    throw invalid(`Malformed token ${what}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`Malformed token ${what}`);
  // The full walk only for a document that could be too deep (a flat claims set never is).
  if (mayNestDeeperThan(text, BODY_MAX_DEPTH) && exceedsDepth(value, BODY_MAX_DEPTH)) throw invalid(`Malformed token ${what}`);
  return value as Record<string, unknown>;
}

function normaliseTyp(typ: string): string {
  const t = typ.toLowerCase();
  return t.startsWith('application/') ? t.slice('application/'.length) : t;
}

/**
 * Decoded headers by their base64url segment. A signer's tokens share a few headers (alg, kid,
 * typ), so the common case skips a base64 decode, a JSON parse and a depth walk. Holds only
 * header objects (never a payload or signature), at most `HEADER_CACHE_SIZE` of them; what is
 * checked against the options (allowlist, typ) is checked on every call.
 */
const headerCache = new Map<string, Readonly<Record<string, unknown>>>();
const HEADER_CACHE_SIZE = 256;

function decodeHeader(segment: string): Readonly<Record<string, unknown>> {
  const cached = headerCache.get(segment);
  if (cached !== undefined) return cached;
  const header = Object.freeze(decodeJson(segment, 'header'));
  if (headerCache.size >= HEADER_CACHE_SIZE) headerCache.clear();
  headerCache.set(segment, header);
  return header;
}

/** Keys already found to fit an algorithm: `asymmetricKeyDetails` builds a new object on every read. */
const fits = new WeakMap<KeyObject, Set<JwsAlgorithm>>();

/** Checks that the key is of the family the algorithm needs (no HMAC with a public key, no curve mix-ups). */
function assertKeyFits(alg: JwsAlgorithm, key: KeyObject): void {
  if (fits.get(key)?.has(alg)) return;
  const family = alg.slice(0, 2);
  const ok =
    family === 'HS'
      ? key.type === 'secret'
      : key.type === 'public' &&
        (family === 'RS' || family === 'PS'
          ? (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') &&
            (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048
          : family === 'ES'
            ? key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVE[alg]
            : key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448');
  if (!ok) throw invalid('Key does not match the token algorithm');
  const known = fits.get(key);
  if (known) known.add(alg);
  else fits.set(key, new Set([alg]));
}

function signatureValid(alg: JwsAlgorithm, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  const hash = HASH[alg.slice(2)] ?? 'sha256';
  try {
    switch (alg.slice(0, 2)) {
      case 'HS': {
        const expected = createHmac(hash, key).update(data).digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
      case 'RS':
        return cryptoVerify(hash, data, key, signature);
      case 'PS':
        return cryptoVerify(hash, data, { key, padding: 6, saltLength: Number(alg.slice(2)) / 8 }, signature);
      case 'ES':
        return signature.length === SIG_LENGTH[alg] && cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      default:
        return cryptoVerify(null, data, key, signature);
    }
  } catch {
    return false;
  }
}

function includes(expected: string | readonly string[], actual: string): boolean {
  return typeof expected === 'string' ? expected === actual : expected.includes(actual);
}

const numericOrAbsent = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));

function checkClaims(payload: JwtPayload, opts: JwtVerifyOptions): void {
  const now = Math.floor(opts.now / 1000);
  if (opts.requireExp !== false && payload.exp === undefined) throw invalid('Missing claim: exp');
  for (const claim of opts.requiredClaims ?? []) {
    if (payload[claim] === undefined) throw invalid(`Missing claim: ${claim}`);
  }
  if (!numericOrAbsent(payload.exp)) throw invalid('Invalid claim: exp');
  if (!numericOrAbsent(payload.nbf)) throw invalid('Invalid claim: nbf');
  if (!numericOrAbsent(payload.iat)) throw invalid('Invalid claim: iat');
  if (opts.issuer !== undefined && (typeof payload.iss !== 'string' || !includes(opts.issuer, payload.iss))) {
    throw new GatehouseError('invalid_issuer', 'Invalid issuer');
  }
  if (opts.audience !== undefined) {
    const aud = payload.aud;
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.some((a) => typeof a === 'string' && includes(opts.audience as string | readonly string[], a))) {
      throw new GatehouseError('invalid_audience', 'Invalid audience');
    }
  }
  if (payload.nbf !== undefined && payload.nbf > now + opts.clockSkew)
    throw new GatehouseError('token_not_yet_valid', 'Token is not yet valid');
  // A token issued in the future (beyond the skew) was minted by a clock or a party we cannot trust.
  if (payload.iat !== undefined && payload.iat > now + opts.clockSkew)
    throw new GatehouseError('token_not_yet_valid', 'Token was issued in the future');
  if (payload.exp !== undefined && payload.exp <= now - opts.clockSkew) throw new GatehouseError('token_expired', 'Token has expired');
}

/**
 * Verifies a compact JWS JWT with `node:crypto`: shape, header (`alg` in the allowlist before any
 * key lookup, no `crit`, no unencoded payloads, `typ`), the key's family against `alg`, the
 * signature, then `iss`, `aud`, `exp`, `nbf`, `iat` (not in the future). Keys are never taken from the header (`jku`, `jwk`,
 * `x5u`, `x5c` are ignored). Every failure is a GatehouseError that never echoes the token.
 * Tested differentially against jose (test/tokens/jws-differential.test.ts).
 */
export async function verifyJwt(token: string, resolveKey: KeyResolver, opts: JwtVerifyOptions): Promise<VerifiedJwt> {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) !== -1 || second === token.length - 1) {
    throw invalid('Malformed token');
  }
  const h = token.slice(0, first);
  const p = token.slice(first + 1, second);
  const s = token.slice(second + 1);
  if (!SEGMENT.test(h) || !SEGMENT.test(p) || !SEGMENT.test(s) || h.length > 4096) throw invalid('Malformed token');
  const header = decodeHeader(h);
  const alg = header.alg;
  if (typeof alg !== 'string' || !(opts.algorithms as readonly string[]).includes(alg)) {
    throw new GatehouseError('unsupported_algorithm', 'Unsupported signing algorithm');
  }
  if (header.crit !== undefined) throw invalid('Unsupported critical header');
  if (header.b64 !== undefined) throw invalid('Unsupported header parameter: b64');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw invalid('Malformed token header');
  if (opts.typ !== undefined && (typeof header.typ !== 'string' || normaliseTyp(header.typ) !== normaliseTyp(opts.typ))) {
    throw invalid('Unexpected token type');
  }
  const jwsHeader: JwsHeader = {
    alg: alg as JwsAlgorithm,
    ...(typeof header.kid === 'string' ? { kid: header.kid } : {}),
    ...(typeof header.typ === 'string' ? { typ: header.typ } : {}),
  };
  const key = await resolveKey(jwsHeader);
  assertKeyFits(jwsHeader.alg, key);
  if (!signatureValid(jwsHeader.alg, key, Buffer.from(token.slice(0, second), 'latin1'), Buffer.from(s, 'base64url'))) {
    throw invalid('Signature verification failed');
  }
  const payload = decodeJson(p, 'payload') as JwtPayload;
  checkClaims(payload, opts);
  return { header: jwsHeader, payload };
}
