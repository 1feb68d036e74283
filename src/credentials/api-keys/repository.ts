import { CompiledQuery, type ExpressionBuilder, sql } from 'kysely';
import type { Database, Db } from '../../storage/index.ts';
import type { ApiKeyRow } from '../api-key-tables.ts';

/** The API-key table's only reads and writes. Every function takes the handle or a transaction. */

export async function insertKey(db: Db, row: ApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** SQL of the hash lookup, compiled once per handle (the hot path skips Kysely's query builder). */
const byHashSql = new WeakMap<Db, string>();

/** The key with this keyed hash: one primary-key read. */
export async function findKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  let text = byHashSql.get(db);
  if (text === undefined) {
    text = db.selectFrom('api_keys').selectAll().where('key_hash', '=', '').compile().sql;
    byHashSql.set(db, text);
  }
  const result = await db.executeQuery<ApiKeyRow>(CompiledQuery.raw(text, [keyHash]));
  return result.rows[0];
}

/**
 * Ids of the organization's live keys (not revoked, not expired) bound to memory space `name` by
 * name. Keys bound to every space (`"*"`) are not counted: they follow renames.
 */
export async function keysBoundToSpace(db: Db, organizationId: string, name: string, now: number): Promise<string[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(['id', 'memory_spaces'])
    .where('organization_id', '=', organizationId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .where('memory_spaces', '!=', '"*"')
    .execute();
  return rows.filter((r) => (JSON.parse(r.memory_spaces) as string[]).includes(name)).map((r) => r.id);
}

/** The key with this id, in this organization when one is given (another organization's is not found). */
export async function findKey(db: Db, organizationId: string | undefined, id: string): Promise<ApiKeyRow | undefined> {
  let q = db.selectFrom('api_keys').selectAll().where('id', '=', id);
  if (organizationId !== undefined) q = q.where('organization_id', '=', organizationId);
  return q.executeTakeFirst();
}

/** `column` starts with `prefix`, case-sensitively and with no wildcard, on both dialects. */
function startsWith(column: 'name' | 'id' | 'key_hash', prefix: string) {
  const length = [...prefix].length;
  return (eb: ExpressionBuilder<Database, 'api_keys'>) => eb(sql<string>`substr(${sql.ref(column)}, 1, ${sql.lit(length)})`, '=', prefix);
}

/**
 * Keys whose id equals `ref`, or whose id or keyed hash starts with it (for operators who paste a
 * prefix). At most `limit` rows.
 */
export async function findKeysByRef(db: Db, ref: string, limit: number): Promise<ApiKeyRow[]> {
  const exact = await db.selectFrom('api_keys').selectAll().where('id', '=', ref).execute();
  if (exact.length > 0) return exact;
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where((eb) => eb.or([startsWith('id', ref)(eb), startsWith('key_hash', ref)(eb)]))
    .orderBy('id')
    .limit(limit)
    .execute();
}

export interface KeyFilter {
  readonly organizationId?: string;
  /** `active` includes keys in a rotation grace period; `expired` excludes revoked keys. */
  readonly state?: 'active' | 'revoked' | 'expired';
  readonly environment?: 'live' | 'test';
  readonly namePrefix?: string;
  readonly createdBy?: string;
  readonly now: number;
}

/** A page of keys in id order after `cursor`; `limit + 1` rows so the caller knows if there is more. */
export async function listKeys(db: Db, f: KeyFilter, limit: number, cursor?: string): Promise<ApiKeyRow[]> {
  let q = db
    .selectFrom('api_keys')
    .selectAll()
    .orderBy('id')
    .limit(limit + 1);
  if (f.organizationId !== undefined) q = q.where('organization_id', '=', f.organizationId);
  if (cursor !== undefined) q = q.where('id', '>', cursor);
  if (f.environment !== undefined) q = q.where('environment', '=', f.environment);
  if (f.createdBy !== undefined) q = q.where('created_by', '=', f.createdBy);
  if (f.namePrefix !== undefined) q = q.where(startsWith('name', f.namePrefix));
  const live = (eb: ExpressionBuilder<Database, 'api_keys'>) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', f.now)]);
  if (f.state === 'revoked') q = q.where('revoked_at', '<=', f.now);
  if (f.state === 'expired') q = q.where('expires_at', '<=', f.now).where(live);
  if (f.state === 'active') q = q.where(live).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', f.now)]));
  return q.execute();
}

export async function updateKey(
  db: Db,
  id: string,
  patch: Partial<Pick<ApiKeyRow, 'name' | 'description' | 'metadata' | 'scopes'>>,
  now: number,
): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Revokes now, or shortens a pending grace period; false when already revoked. */
export async function revokeKey(db: Db, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('api_keys')
    .set({ revoked_at: now, updated_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Marks `id` rotated to `nextId`, ending at `endsAt`; only a key neither rotated nor revoked
 * qualifies (one statement: two concurrent rotations cannot both win).
 */
export async function markRotated(db: Db, id: string, nextId: string, endsAt: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('api_keys')
    .set({ rotated_to: nextId, revoked_at: endsAt, updated_at: now })
    .where('id', '=', id)
    .where('rotated_to', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Adds batched usage: counts and the latest use time (never moves `last_used_at` back). */
export async function recordUsage(db: Db, id: string, count: number, lastUsedAt: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set((eb) => ({
      usage_count: eb('usage_count', '+', count),
      last_used_at: eb.case().when('last_used_at', '>', lastUsedAt).then(eb.ref('last_used_at')).else(lastUsedAt).end(),
    }))
    .where('id', '=', id)
    .execute();
}
