import { hash } from 'node:crypto';
import { EVERY_ENTRY } from '../../cluster/invalidation.ts';
import type { CoreDeps } from '../../deps.ts';
import { GatehouseError } from '../../errors/index.ts';
import type { PartyResolver } from '../../identity/parties.ts';
import { type CacheStats, ExpiringCache } from '../../lib/expiring-cache.ts';
import { newId } from '../../lib/ids.ts';
import { keyedHash } from '../../lib/secure.ts';
import type { ApiKeyVerifier, VerifyContext } from '../../pipeline/authenticate.ts';
import type { Principal } from '../../pipeline/principal.ts';
import type { ApiKeyRow } from '../api-key-tables.ts';
import { compileAllowlist } from './cidr.ts';
import { generateKey, type KeyEnvironment, keyPrefix, looksLikeKey, parseKey } from './format.ts';
import { parseSpaces } from './render.ts';
import { findKey, findKeyByHash, insertKey, markRotated, revokeKey, updateKey } from './repository.ts';
import { UsageBatcher } from './usage.ts';

/** What a key is created with. */
export interface NewKeyInput {
  readonly organizationId: string;
  /** `usr_…`, or null for the system (CLI). */
  readonly createdBy: string | null;
  readonly name: string;
  readonly description?: string;
  readonly environment?: KeyEnvironment;
  readonly scopes: readonly string[];
  readonly memorySpaces: readonly string[] | '*';
  readonly allowedCidrs?: readonly string[] | null;
  readonly rateLimit?: string | null;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly expiresAt?: number | null;
  /** `x5t#S256` of the client certificate the key is bound to (RFC 8705 style): refused without it. */
  readonly certificateThumbprint?: string | null;
}

/** What an update may change. Scope checks (only narrowing) are the caller's. */
export interface KeyPatch {
  readonly name?: string;
  readonly description?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly scopes?: readonly string[];
}

interface Verified {
  readonly row: ApiKeyRow;
  readonly principal: Principal;
  readonly allow: { allows(ip: string): boolean } | null;
}

export interface ApiKeyService extends ApiKeyVerifier {
  /** Like `verify`, for `/v1/api-keys/verify`: a key of another organization fails exactly like an unknown one. */
  verifyForOrganization(key: string, ctx: VerifyContext, organizationId: string): Promise<Principal>;
  /** Creates a key; the plaintext is in the result and nowhere else, ever. */
  create(input: NewKeyInput): Promise<{ row: ApiKeyRow; key: string }>;
  /** Changes name, description, metadata or scopes; cached copies are dropped at once. */
  update(organizationId: string | undefined, id: string, patch: KeyPatch): Promise<ApiKeyRow>;
  /** A new key with the same attributes; the old one works until `graceSeconds` from now. */
  rotate(
    organizationId: string | undefined,
    id: string,
    graceSeconds: number,
  ): Promise<{ row: ApiKeyRow; key: string; previous: ApiKeyRow }>;
  /** Stops the key now (idempotent); it fails on every node at once. */
  revoke(organizationId: string | undefined, id: string): Promise<ApiKeyRow>;
  /** Drops a key from this node's caches (and, through the bus, every node's). */
  invalidate(id: string): void;
  /** Lookups answered from memory (either cache) and those that went to storage. */
  cacheStats(): CacheStats;
  /** Writes pending usage counts. */
  flush(): Promise<void>;
  /** Stops the usage timer and writes what is pending. */
  close(): Promise<void>;
}

/** Fingerprint of a key for the in-process caches: one fast SHA-256, no key material kept. */
const fingerprint = (key: string) => hash('sha256', key, 'base64url');

const invalid = () => new GatehouseError('api_key_invalid', 'Invalid API key');

/**
 * API keys: checksum → in-process cache (by SHA-256 fingerprint) → keyed hash → storage, with a
 * bounded negative cache for unknown keys; then the user behind the key (its creator) narrows it. Expiry, grace periods and CIDR allowlists are checked
 * against the clock on every hit; revocation, rotation and updates invalidate the cache at once
 * (on every node through the bus). Usage is written in batches.
 *
 * @example
 * const keys = createApiKeyService(deps);
 * const { key } = await keys.create({ organizationId, createdBy: null, name: 'ci', scopes: ['contexts:read'], memorySpaces: '*' });
 * const principal = await keys.verify(key, { ip: '10.0.0.1' });
 */
export function createApiKeyService(deps: CoreDeps & { readonly parties: PartyResolver }): ApiKeyService {
  const { config, storage, clock, secrets, bus, audit, log, parties } = deps;
  const db = storage.db;
  const ttl = config.apiKeyCacheTtl * 1000;
  const positive = new ExpiringCache<Verified>(config.apiKeyCacheSize);
  const negative = new ExpiringCache<true>(config.apiKeyNegativeCacheSize);
  const usage = new UsageBatcher(storage, config.apiKeyUsageFlushInterval * 1000, (err) =>
    log.warn({ err: { message: (err as Error).message } }, 'api key usage flush failed; retrying on the next flush'),
  );
  /** Bumped on every invalidation: a lookup that raced one is used once but not cached. */
  let generation = 0;

  bus.subscribe('api_key', (id) => {
    generation++;
    if (id === EVERY_ENTRY) positive.clear();
    else positive.deleteWhere((v) => v.row.id === id);
  });

  function principalOf(row: ApiKeyRow): Principal {
    const ends = [row.expires_at, row.revoked_at].filter((t): t is number => t !== null);
    return Object.freeze({
      kind: 'api_key',
      subject: row.id,
      organizationId: row.organization_id,
      role: null,
      scopes: Object.freeze(JSON.parse(row.scopes) as string[]),
      memorySpaces: parseSpaces(row.memory_spaces),
      credentialId: row.id,
      ...(row.created_by !== null ? { userId: row.created_by } : {}),
      ...(row.rate_limit !== null ? { rateLimitPolicy: row.rate_limit } : {}),
      ...(ends.length > 0 ? { expiresAt: Math.min(...ends) } : {}),
      ...(row.cert_thumbprint ? { confirmation: Object.freeze({ 'x5t#S256': row.cert_thumbprint }) } : {}),
    });
  }

  async function load(key: string, now: number): Promise<Verified | undefined> {
    const fp = fingerprint(key);
    const hit = positive.get(fp, now);
    if (hit) return hit;
    if (negative.get(fp, now)) return undefined;
    const seen = generation;
    const row = await findKeyByHash(db, keyedHash(secrets.pepper, key));
    if (!row) {
      negative.set(fp, true, now + ttl);
      return undefined;
    }
    const v: Verified = {
      row,
      principal: principalOf(row),
      allow: row.allowed_cidrs === null ? null : compileAllowlist(JSON.parse(row.allowed_cidrs) as string[]),
    };
    if (seen === generation) positive.set(fp, v, now + ttl);
    return v;
  }

  function refuse(row: ApiKeyRow, error: 'api_key_expired' | 'api_key_revoked', detail: string, ctx: VerifyContext): never {
    audit.record({
      action: error === 'api_key_expired' ? 'api_key.expired_use' : 'api_key.revoked_use',
      outcome: 'failure',
      organizationId: row.organization_id,
      actor: { type: 'api_key', id: row.id },
      target: { type: 'api_key', id: row.id },
      ip: ctx.ip,
    });
    throw new GatehouseError(error, detail);
  }

  async function check(key: string, ctx: VerifyContext, organizationId?: string): Promise<Principal> {
    const parsed = parseKey(key, config.apiKeyPrefix);
    if (!parsed) throw invalid();
    const now = clock.now();
    const v = await load(key, now);
    if (!v || (organizationId !== undefined && v.row.organization_id !== organizationId)) throw invalid();
    const { row } = v;
    if (row.revoked_at !== null && row.revoked_at <= now) {
      refuse(
        row,
        'api_key_revoked',
        row.rotated_to ? 'API key was rotated: its grace period is over, or it was revoked' : 'API key has been revoked',
        ctx,
      );
    }
    if (row.expires_at !== null && row.expires_at <= now) refuse(row, 'api_key_expired', 'API key has expired', ctx);
    if (parsed.environment !== undefined && parsed.environment !== config.apiKeyEnvironment) {
      throw new GatehouseError(
        'api_key_wrong_environment',
        `A ${parsed.environment} key cannot be used on this ${config.apiKeyEnvironment} deployment`,
      );
    }
    if (v.allow && !v.allow.allows(ctx.ip)) throw new GatehouseError('api_key_ip_not_allowed', 'Client IP not allowed for this API key');
    // A key made by a user acts as that user: narrowed to what they may do now, or nothing.
    const acting = await parties.actAs(v.principal);
    if (!acting) throw new GatehouseError('api_key_creator_inactive', 'The user behind this API key no longer has access');
    usage.record(row.id, now);
    return acting;
  }

  function mint(environment: KeyEnvironment): { key: string; key_hash: string; display_prefix: string; last_four: string } {
    const key = generateKey(config.apiKeyPrefix, environment);
    return {
      key,
      key_hash: keyedHash(secrets.pepper, key),
      display_prefix: key.slice(0, keyPrefix(config.apiKeyPrefix, environment).length + 4),
      last_four: key.slice(-4),
    };
  }

  async function create(input: NewKeyInput): Promise<{ row: ApiKeyRow; key: string }> {
    const now = clock.now();
    const environment = input.environment ?? config.apiKeyEnvironment;
    const { key, ...secretless } = mint(environment);
    const row: ApiKeyRow = {
      ...secretless,
      id: newId('key', now),
      organization_id: input.organizationId,
      created_by: input.createdBy,
      name: input.name,
      description: input.description ?? '',
      environment,
      scopes: JSON.stringify(input.scopes),
      memory_spaces: JSON.stringify(input.memorySpaces),
      allowed_cidrs: input.allowedCidrs ? JSON.stringify(input.allowedCidrs) : null,
      rate_limit: input.rateLimit ?? null,
      metadata: JSON.stringify(input.metadata ?? {}),
      expires_at: input.expiresAt ?? null,
      created_at: now,
      updated_at: now,
      last_used_at: null,
      usage_count: 0,
      revoked_at: null,
      rotated_from: null,
      rotated_to: null,
      cert_thumbprint: input.certificateThumbprint ?? null,
    };
    await insertKey(db, row);
    negative.delete(fingerprint(key));
    return { row, key };
  }

  async function mustFind(organizationId: string | undefined, id: string): Promise<ApiKeyRow> {
    const row = await findKey(db, organizationId, id);
    if (!row) throw new GatehouseError('not_found', 'API key not found');
    return row;
  }

  async function rotate(organizationId: string | undefined, id: string, graceSeconds: number) {
    const previous = await mustFind(organizationId, id);
    const now = clock.now();
    if (previous.rotated_to !== null) throw new GatehouseError('api_key_already_rotated', `Already rotated to ${previous.rotated_to}`);
    if (previous.revoked_at !== null) throw new GatehouseError('api_key_already_rotated', 'The key is revoked');
    if (previous.expires_at !== null && previous.expires_at <= now) {
      throw new GatehouseError('api_key_already_rotated', 'The key has expired; create a new one');
    }
    const endsAt = now + graceSeconds * 1000;
    const next = await storage.transaction(async (trx) => {
      const nextId = newId('key', now);
      if (!(await markRotated(trx, previous.id, nextId, endsAt, now))) throw new GatehouseError('api_key_already_rotated');
      const { key, ...secretless } = mint(previous.environment);
      const row: ApiKeyRow = {
        ...previous,
        ...secretless,
        id: nextId,
        created_at: now,
        updated_at: now,
        last_used_at: null,
        usage_count: 0,
        revoked_at: null,
        rotated_from: previous.id,
        rotated_to: null,
      };
      await insertKey(trx, row);
      return { row, key };
    });
    bus.publish('api_key', previous.id);
    return { ...next, previous: { ...previous, rotated_to: next.row.id, revoked_at: endsAt, updated_at: now } };
  }

  return {
    matches: (value) => looksLikeKey(value, config.apiKeyPrefix),
    verify: (key, ctx) => check(key, ctx),
    verifyForOrganization: (key, ctx, organizationId) => check(key, ctx, organizationId),
    create,
    rotate,

    async update(organizationId, id, patch) {
      const row = await mustFind(organizationId, id);
      await updateKey(
        db,
        row.id,
        {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.metadata !== undefined ? { metadata: JSON.stringify(patch.metadata) } : {}),
          ...(patch.scopes !== undefined ? { scopes: JSON.stringify(patch.scopes) } : {}),
        },
        clock.now(),
      );
      bus.publish('api_key', row.id);
      return mustFind(organizationId, id);
    },

    async revoke(organizationId, id) {
      const row = await mustFind(organizationId, id);
      const now = clock.now();
      await revokeKey(db, row.id, now);
      bus.publish('api_key', row.id);
      return mustFind(organizationId, id);
    },

    invalidate: (id) => bus.publish('api_key', id),
    cacheStats: () => ({ hits: positive.hits + negative.hits, misses: negative.misses }),
    flush: () => usage.flush(),
    close: () => usage.close(),
  };
}
