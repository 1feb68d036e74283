import type { Db } from '../../storage/index.ts';
import type { OAuthGrantRow } from '../tables.ts';

export async function insertGrant(db: Db, row: OAuthGrantRow): Promise<void> {
  await db.insertInto('oauth_grants').values(row).execute();
}

export async function findGrant(db: Db, sessionId: string): Promise<OAuthGrantRow | undefined> {
  return db.selectFrom('oauth_grants').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
}

/** Sessions (grants) of a client, or of a consent. */
export async function grantSessions(db: Db, where: { clientId?: string; consentId?: string }): Promise<string[]> {
  let q = db.selectFrom('oauth_grants').select('session_id');
  if (where.clientId !== undefined) q = q.where('client_id', '=', where.clientId);
  if (where.consentId !== undefined) q = q.where('consent_id', '=', where.consentId);
  return (await q.execute()).map((r) => r.session_id);
}
