import type { Db } from '../../storage/index.ts';
import type { OAuthConsentRow } from '../tables.ts';

export async function findConsent(db: Db, userId: string, clientId: string, organizationId: string, scope: string) {
  return db
    .selectFrom('oauth_consents')
    .selectAll()
    .where('user_id', '=', userId)
    .where('client_id', '=', clientId)
    .where('organization_id', '=', organizationId)
    .where('scope', '=', scope)
    .executeTakeFirst();
}

export async function insertConsent(db: Db, row: OAuthConsentRow): Promise<void> {
  await db.insertInto('oauth_consents').values(row).execute();
}

export async function listConsents(db: Db, userId: string): Promise<OAuthConsentRow[]> {
  return db.selectFrom('oauth_consents').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}

export async function deleteConsent(db: Db, userId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('oauth_consents').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function deleteConsentsOfClient(db: Db, clientId: string): Promise<void> {
  await db.deleteFrom('oauth_consents').where('client_id', '=', clientId).execute();
}
