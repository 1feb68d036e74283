import { hash } from 'node:crypto';
import { SignJWT } from 'jose';
import { EVERY_ENTRY } from '../cluster/invalidation.ts';
import type { CoreDeps } from '../deps.ts';
import { type ErrorName, GatehouseError } from '../errors/index.ts';
import type { PartyResolver } from '../identity/parties.ts';
import type { Role } from '../identity/tables.ts';
import { ExpiringCache } from '../lib/expiring-cache.ts';
import { randomToken } from '../lib/secure.ts';
import type { VerifyContext } from '../pipeline/authenticate.ts';
import type { Actor, Confirmation, Principal } from '../pipeline/principal.ts';
import { type JwsAlgorithm, type JwtPayload, verifyJwt } from './jws.ts';
import { generateKey, type SigningAlgorithm, sealPrivateKey } from './key-material.ts';
import { Keyring, type LoadedKey } from './keyring.ts';
import { insertActiveKey, listAllKeys, rotateKeys } from './repository.ts';
import type { SigningKeyRow } from './tables.ts';
import type { IssueAccessTokenInput, SigningKeyInfo, SignJwtInput, TokenService } from './types.ts';

export interface TokenServiceDeps extends CoreDeps {
  /** True when the login session behind a token has been revoked. */
  readonly isSessionRevoked: (sessionId: string) => Promise<boolean>;
  /** Who a token speaks for: a user's token is narrowed to what the user may do now. */
  readonly parties: PartyResolver;
  /** True when the OAuth client (`cli_…`) a token was issued to no longer exists. */
  readonly isClientRevoked?: (clientId: string) => Promise<boolean>;
  /** True when a token without a session (client credentials) was revoked by its `jti`. */
  readonly isTokenRevoked?: (jti: string) => Promise<boolean>;
}

/** A verified token as cached: its Principal, its audiences and the client it was issued to. */
interface Verified {
  readonly principal: Principal;
  readonly audience: readonly string[];
  readonly clientId: string | undefined;
}

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

const ROLES = new Set(['owner', 'admin', 'member', 'readonly']);

function info(row: SigningKeyRow): SigningKeyInfo {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status === 'active' ? 'active' : 'retired',
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    expiresAt: row.expires_at,
  };
}

/** A well-formed `act` claim (RFC 8693 §4.1), at most 5 deep; anything else is ignored. */
export function actorFrom(value: unknown, depth = 0): Actor | undefined {
  if (depth >= 5 || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { sub, act } = value as { sub?: unknown; act?: unknown };
  if (typeof sub !== 'string' || sub === '' || sub.length > 300) return undefined;
  const inner = act === undefined ? undefined : actorFrom(act, depth + 1);
  return Object.freeze(inner === undefined ? { sub } : { sub, act: inner });
}

/** RFC 7800 `cnf` of a token: the DPoP key (`jkt`) or client certificate (`x5t#S256`) it is bound to. */
function confirmationOf(cnf: unknown): Confirmation | undefined {
  if (cnf === undefined || cnf === null || typeof cnf !== 'object') return undefined;
  const c = cnf as Record<string, unknown>;
  const jkt = typeof c.jkt === 'string' ? c.jkt : undefined;
  const x5t = typeof c['x5t#S256'] === 'string' ? c['x5t#S256'] : undefined;
  // A `cnf` we cannot check binds to nothing we could verify: an impossible binding, never none.
  if (jkt === undefined && x5t === undefined) return { jkt: '' };
  return { ...(jkt !== undefined ? { jkt } : {}), ...(x5t !== undefined ? { 'x5t#S256': x5t } : {}) };
}

function principalFrom(payload: JwtPayload, issuer: string): Principal {
  const sub = String(payload.sub);
  const scope = typeof payload.scope === 'string' ? payload.scope : '';
  const spaces = payload.memory_spaces;
  const role = typeof payload.role === 'string' && ROLES.has(payload.role) ? (payload.role as Role) : null;
  return Object.freeze({
    kind: sub.startsWith('cli_') ? 'oauth_client' : 'user',
    subject: sub,
    organizationId: String(payload.org_id),
    role,
    scopes: scope === '' ? [] : scope.split(' '),
    memorySpaces: Array.isArray(spaces) ? spaces.filter((s): s is string => typeof s === 'string') : '*',
    credentialId: String(payload.jti),
    ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
    ...(sub.startsWith('usr_') ? { userId: sub } : {}),
    ...(sub.startsWith('usr_') && typeof payload.client_id === 'string' && payload.client_id.startsWith('cli_')
      ? { clientId: payload.client_id }
      : {}),
    expiresAt: Number(payload.exp) * 1000,
    issuer,
    ...(actorFrom(payload.act) !== undefined ? { act: actorFrom(payload.act) } : {}),
    ...(payload.cnf !== undefined ? { confirmation: confirmationOf(payload.cnf) } : {}),
  });
}

/** Verification failures that the same token bytes always meet again (with the keys they name). */
const REFUSED_FOR_GOOD: ReadonlySet<ErrorName> = new Set<ErrorName>([
  'invalid_token',
  'invalid_issuer',
  'unsupported_algorithm',
  'token_expired',
]);
const REFUSED_TTL_MS = 5 * 60_000;

/**
 * Gatehouse's own access tokens (RFC 9068 JWTs): signing keys encrypted at rest, issuing with
 * jose, verifying on the thin node:crypto path behind a verified-token cache, JWKS, rotation.
 */
export function createTokenService(deps: TokenServiceDeps): TokenService {
  const { config, storage, clock, secrets, bus, audit } = deps;
  const keyring = new Keyring(storage.db, [secrets.keyEncryptionKey, ...(secrets.previousKeyEncryptionKeys ?? [])], clock);
  // Tokens verified once are not verified again until they expire, keyed by a SHA-256 of the token (never the token).
  const cache = new ExpiringCache<Verified>(10_000);
  // Tokens refused for a reason that never changes for the same bytes (signature, shape, claims,
  // issuer, algorithm, expiry), by the same SHA-256: a client retrying a stale or broken token, or a
  // flood of one forged token, costs a lookup instead of a signature check. Never a token that is
  // not valid yet or whose key is not known yet (both can change), and never an audience or a
  // revocation (checked on every use).
  const refused = new ExpiringCache<{ error: ErrorName; detail: string }>(10_000);
  // The cache key of the token last looked up: a miss in `verifyCached` goes on to `verify` with the
  // same token, which then compares it instead of hashing it again.
  let lastToken = '';
  let lastKey = '';
  const keyOf = (token: string): string => {
    if (token !== lastToken) {
      lastKey = hash('sha256', token, 'base64url');
      lastToken = token;
    }
    return lastKey;
  };
  const algorithms: JwsAlgorithm[] = ['RS256', 'ES256', 'EdDSA', ...(config.allowHs256 ? (['HS256'] as const) : [])];
  const retireAfterMs = (config.accessTokenTtl + config.clockSkew) * 1000;

  bus.subscribe('signing_keys', () => {
    cache.clear();
    refused.clear();
    void keyring.reload().catch(() => {});
  });
  // Whatever ends a session, a user, a membership or an organization drops the tokens it covers
  // (the next use verifies again, and the session check refuses it); from any process, through the bus.
  const drop = (matches: (p: Principal, id: string) => boolean) => (id: string) => {
    if (id === EVERY_ENTRY) cache.clear();
    else cache.deleteWhere((v) => matches(v.principal, id));
  };
  bus.subscribe(
    'session',
    drop((p, id) => p.sessionId === id),
  );
  bus.subscribe(
    'user',
    drop((p, id) => p.userId === id),
  );
  bus.subscribe(
    'organization',
    drop((p, id) => p.organizationId === id),
  );
  bus.subscribe(
    'membership',
    drop((p, id) => `${p.organizationId}:${p.userId}` === id),
  );

  function newRow(alg: SigningAlgorithm, now: number): SigningKeyRow {
    const key = generateKey(alg);
    return {
      kid: key.kid,
      alg,
      public_jwk: key.publicJwk === null ? null : JSON.stringify(key.publicJwk),
      private_key_enc: sealPrivateKey(secrets.keyEncryptionKey, key.kid, key.privateBytes),
      status: 'active',
      created_at: now,
      retired_at: null,
      expires_at: null,
    };
  }

  async function activeKey(): Promise<LoadedKey> {
    const key = await keyring.active();
    if (key) return key;
    await keyring.reload();
    const again = await keyring.active();
    if (!again) throw new GatehouseError('internal_error', 'No active signing key');
    return again;
  }

  async function resolve(kid: string | undefined): Promise<LoadedKey> {
    const key = kid === undefined ? undefined : await keyring.forKid(kid);
    if (!key) throw new GatehouseError('unknown_signing_key', 'Unable to find matching public key');
    return key;
  }

  /** What every use of a verified token is checked for, cached or not: audience, revocation, the acting party. */
  async function admit(verified: Verified, ctx: VerifyContext | undefined): Promise<Principal> {
    const { principal, clientId } = verified;
    if (!verified.audience.includes(ctx?.audience ?? config.audience)) throw new GatehouseError('invalid_audience', 'Invalid audience');
    if (principal.sessionId !== undefined && (await deps.isSessionRevoked(principal.sessionId))) {
      throw new GatehouseError('token_revoked', 'Token has been revoked');
    }
    if (clientId !== undefined && deps.isClientRevoked && (await deps.isClientRevoked(clientId))) {
      throw new GatehouseError('token_revoked', 'Token has been revoked');
    }
    // Tokens revoked one by one (no grant of their own to end): client credentials and exchanged ones.
    if (deps.isTokenRevoked && (principal.act !== undefined || (principal.sessionId === undefined && principal.kind === 'oauth_client'))) {
      if (await deps.isTokenRevoked(principal.credentialId)) throw new GatehouseError('token_revoked', 'Token has been revoked');
    }
    const acting = await deps.parties.actAs(principal);
    if (!acting) throw new GatehouseError('token_revoked', 'Token has been revoked');
    return acting;
  }
  return {
    issuer: config.issuer,
    cacheStats: () => ({ hits: cache.hits, misses: cache.misses }),

    async ensureSigningKey() {
      if (config.signingAlgorithm === 'HS256' && !config.allowHs256) {
        throw new Error(
          'signingAlgorithm HS256 needs allowHs256=true (GATEHOUSE_ALLOW_HS256): HS256 tokens cannot be verified through JWKS',
        );
      }
      if (!(await keyring.active())) {
        await insertActiveKey(storage.db, newRow(config.signingAlgorithm, clock.now()));
        await keyring.reload();
      }
    },

    async issueAccessToken(input: IssueAccessTokenInput) {
      const key = await activeKey();
      const now = clock.now();
      const ttl = Math.min(input.ttlSeconds ?? config.accessTokenTtl, config.accessTokenTtl);
      const iat = Math.floor(now / 1000);
      const jti = randomToken(16);
      const claims: Record<string, unknown> = {
        client_id: input.clientId ?? 'gatehouse',
        org_id: input.organizationId,
        role: input.role,
        scope: input.scopes.join(' '),
        ...(input.sessionId !== undefined ? { sid: input.sessionId } : {}),
        ...(input.memorySpaces !== undefined && input.memorySpaces !== '*' ? { memory_spaces: input.memorySpaces } : {}),
        ...(input.authTime !== undefined ? { auth_time: input.authTime } : {}),
        ...(input.act !== undefined ? { act: input.act } : {}),
        ...(input.confirmation !== undefined ? { cnf: { ...input.confirmation } } : {}),
      };
      const audience = input.audience && input.audience.length > 0 ? [...input.audience] : config.audience;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .setIssuer(config.issuer)
        .setSubject(input.subject)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl)
        .setJti(jti)
        .sign(key.signing);
      return { token, jti, expiresAt: (iat + ttl) * 1000 };
    },

    async signJwt(input: SignJwtInput) {
      const key = await activeKey();
      const iat = Math.floor(clock.now() / 1000);
      const token = await new SignJWT({ ...input.claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: input.typ })
        .setIssuer(config.issuer)
        .setSubject(input.subject)
        .setAudience(input.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + input.ttlSeconds)
        .sign(key.signing);
      return { token, alg: key.alg };
    },

    verifyCached(token, ctx) {
      const cacheKey = keyOf(token);
      const now = clock.now();
      const verified = cache.peek(cacheKey, now);
      if (verified !== undefined) return admit(verified, ctx);
      const before = refused.peek(cacheKey, now);
      return before === undefined ? undefined : Promise.reject(new GatehouseError(before.error, before.detail));
    },

    async verify(token, ctx) {
      const now = clock.now();
      const cacheKey = keyOf(token);
      let verified = cache.get(cacheKey, now);
      if (!verified) {
        const before = refused.peek(cacheKey, now);
        if (before !== undefined) throw new GatehouseError(before.error, before.detail);
        let payload: JwtPayload;
        let principal: Principal;
        try {
          // The audience is checked below, on cached tokens too: one token may be presented for different audiences.
          ({ payload } = await verifyJwt(token, (h) => resolve(h.kid).then((k) => k.verifying), {
            algorithms,
            issuer: config.issuer,
            typ: 'at+jwt',
            clockSkew: config.clockSkew,
            now,
            requiredClaims: ['sub', 'jti', 'iat', 'org_id', 'aud'],
          }));
          principal = principalFrom(payload, config.issuer);
        } catch (err) {
          if (err instanceof GatehouseError && REFUSED_FOR_GOOD.has(err.error)) {
            refused.set(cacheKey, { error: err.error, detail: err.detail }, now + REFUSED_TTL_MS);
          }
          throw err;
        }
        const clientId = typeof payload.client_id === 'string' && payload.client_id.startsWith('cli_') ? payload.client_id : undefined;
        verified = { principal, audience: audiences(payload.aud), clientId };
        cache.set(cacheKey, verified, (principal.expiresAt ?? now) + config.clockSkew * 1000);
      }
      return admit(verified, ctx);
    },

    async jwks() {
      const keys = await keyring.usable();
      return { keys: keys.flatMap((k) => (k.publicJwk ? [k.publicJwk] : [])) };
    },

    async rotateSigningKey() {
      const now = clock.now();
      const next = newRow(config.signingAlgorithm, now);
      await rotateKeys(storage.db, next, now, now + retireAfterMs);
      bus.publish('signing_keys', next.kid);
      await keyring.reload();
      audit.record({
        action: 'signing_key.rotated',
        outcome: 'success',
        organizationId: null,
        actor: { type: 'system', id: null },
        target: { type: 'signing_key', id: next.kid },
      });
      return info(next);
    },

    async listSigningKeys() {
      return (await listAllKeys(storage.db)).map(info);
    },
  };
}
