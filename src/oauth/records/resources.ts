import type { Db } from '../../storage/index.ts';
import type { OAuthResourceRow } from '../tables.ts';

export async function insertResource(db: Db, row: OAuthResourceRow): Promise<void> {
  await db.insertInto('oauth_resources').values(row).execute();
}

export async function findResource(db: Db, id: string, organizationId: string): Promise<OAuthResourceRow | undefined> {
  return db.selectFrom('oauth_resources').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
}

export async function findResourceByIdentifier(db: Db, identifiers: readonly string[]): Promise<OAuthResourceRow | undefined> {
  if (identifiers.length === 0) return undefined;
  return db
    .selectFrom('oauth_resources')
    .selectAll()
    .where('identifier', 'in', [...identifiers])
    .executeTakeFirst();
}

export async function listResources(db: Db, organizationId: string, limit: number, cursor?: string): Promise<OAuthResourceRow[]> {
  let q = db
    .selectFrom('oauth_resources')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('id')
    .limit(limit + 1);
  if (cursor !== undefined) q = q.where('id', '>', cursor);
  return q.execute();
}

export async function updateResource(db: Db, id: string, organizationId: string, set: Partial<OAuthResourceRow>): Promise<void> {
  await db.updateTable('oauth_resources').set(set).where('id', '=', id).where('organization_id', '=', organizationId).execute();
}

export async function deleteResource(db: Db, id: string, organizationId: string): Promise<boolean> {
  const r = await db.deleteFrom('oauth_resources').where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
