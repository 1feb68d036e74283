import type { Db } from '../../storage/index.ts';
import type { OAuthClientRow } from '../tables.ts';

export async function insertClient(db: Db, row: OAuthClientRow): Promise<void> {
  await db.insertInto('oauth_clients').values(row).execute();
}

/** By id, in any organization (the token endpoint), or in one (management). */
export async function findClient(db: Db, id: string, organizationId?: string): Promise<OAuthClientRow | undefined> {
  let q = db.selectFrom('oauth_clients').selectAll().where('id', '=', id);
  if (organizationId !== undefined) q = q.where('organization_id', '=', organizationId);
  return q.executeTakeFirst();
}

export async function listClients(db: Db, organizationId: string, limit: number, cursor?: string): Promise<OAuthClientRow[]> {
  let q = db
    .selectFrom('oauth_clients')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('id')
    .limit(limit + 1);
  if (cursor !== undefined) q = q.where('id', '>', cursor);
  return q.execute();
}

export async function updateClient(db: Db, id: string, organizationId: string, set: Partial<OAuthClientRow>): Promise<void> {
  await db.updateTable('oauth_clients').set(set).where('id', '=', id).where('organization_id', '=', organizationId).execute();
}

export async function deleteClient(db: Db, id: string, organizationId: string): Promise<boolean> {
  const r = await db.deleteFrom('oauth_clients').where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
