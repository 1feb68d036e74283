import { consumeOnce, type Db } from '../../storage/index.ts';
import type { OAuthCodeRow } from '../tables.ts';

export async function insertCode(db: Db, row: OAuthCodeRow): Promise<void> {
  await db.insertInto('oauth_codes').values(row).execute();
}

/** Consume-once: the row when this caller redeemed it first; undefined when missing or already redeemed. */
export function consumeCode(db: Db, codeHash: string, now: number): Promise<OAuthCodeRow | undefined> {
  return consumeOnce(db, 'oauth_codes', 'code_hash', codeHash, 'consumed_at', now);
}

export async function findCode(db: Db, codeHash: string): Promise<OAuthCodeRow | undefined> {
  return db.selectFrom('oauth_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

/** Remembers the grant the first redemption made, so a replay can revoke it. */
export async function setCodeSession(db: Db, codeHash: string, sessionId: string): Promise<void> {
  await db.updateTable('oauth_codes').set({ session_id: sessionId }).where('code_hash', '=', codeHash).execute();
}
