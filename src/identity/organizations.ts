import { GatehouseError } from '../errors/index.ts';
import { isId, newId } from '../lib/ids.ts';
import type { Db } from '../storage/index.ts';
import { mapUniqueViolation } from './errors.ts';
import type { OrganizationRow } from './tables.ts';

export async function createOrganization(
  db: Db,
  input: { name: string; slug: string; personalOf?: string | null },
  now: number,
): Promise<OrganizationRow> {
  const row: OrganizationRow = {
    id: newId('org', now),
    name: input.name,
    slug: input.slug,
    rate_limit_tier: null,
    personal_of: input.personalOf ?? null,
    api_key_max_lifetime_days: null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('organizations').values(row).execute().catch(mapUniqueViolation);
  return row;
}

/** By id (`org_…`) or slug; undefined when missing. */
export async function findOrganization(db: Db, idOrSlug: string): Promise<OrganizationRow | undefined> {
  const column = isId(idOrSlug, 'org') ? 'id' : 'slug';
  return db.selectFrom('organizations').selectAll().where(column, '=', idOrSlug).executeTakeFirst();
}

export async function getOrganizationById(db: Db, id: string): Promise<OrganizationRow> {
  const org = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!org) throw new GatehouseError('not_found', 'Organization not found');
  return org;
}

/**
 * The operator organization: the first organization that is not someone's personal one (the one
 * `gatehouse init` creates). Server-wide settings, such as signing keys, belong to it alone.
 */
export async function operatorOrganizationId(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('organizations')
    .select('id')
    .where('personal_of', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

export async function countUsers(db: Db): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function updateOrganization(
  db: Db,
  id: string,
  patch: { name?: string; slug?: string; api_key_max_lifetime_days?: number | null },
  now: number,
): Promise<OrganizationRow> {
  await db
    .updateTable('organizations')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .execute()
    .catch(mapUniqueViolation);
  return getOrganizationById(db, id);
}

export async function deleteOrganization(db: Db, id: string): Promise<void> {
  await db.deleteFrom('organizations').where('id', '=', id).execute();
}
