import type { Db } from '../../storage/index.ts';
import type { OAuthBrowserSessionRow } from '../session-tables.ts';

export async function insertBrowserSession(db: Db, row: OAuthBrowserSessionRow): Promise<void> {
  await db.insertInto('oauth_browser_sessions').values(row).execute();
}

export async function findBrowserSession(db: Db, idHash: string): Promise<OAuthBrowserSessionRow | undefined> {
  return db.selectFrom('oauth_browser_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

/** Deletes one browser session; answers it when this call deleted it. */
export async function deleteBrowserSession(db: Db, idHash: string): Promise<OAuthBrowserSessionRow | undefined> {
  const row = await findBrowserSession(db, idHash);
  if (!row) return undefined;
  const r = await db.deleteFrom('oauth_browser_sessions').where('id_hash', '=', idHash).executeTakeFirst();
  return Number(r.numDeletedRows) === 1 ? row : undefined;
}
