import type { Db } from '../../storage/index.ts';
import type { OAuthInteractionRow } from '../tables.ts';

export async function insertInteraction(db: Db, row: OAuthInteractionRow): Promise<void> {
  await db.insertInto('oauth_interactions').values(row).execute();
}

export async function findInteraction(db: Db, idHash: string): Promise<OAuthInteractionRow | undefined> {
  return db.selectFrom('oauth_interactions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function setInteractionUser(db: Db, idHash: string, userId: string, authTime: number): Promise<void> {
  await db.updateTable('oauth_interactions').set({ user_id: userId, auth_time: authTime }).where('id_hash', '=', idHash).execute();
}

/** Consume-once: true for the one caller that completes it. */
export async function completeInteraction(db: Db, idHash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('oauth_interactions')
    .set({ completed_at: now })
    .where('id_hash', '=', idHash)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
