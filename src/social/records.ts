import type { Db } from '../storage/index.ts';
import { isUniqueViolation } from '../storage/index.ts';
import type { SocialFlowRow, UserIdentityRow } from './tables.ts';

export async function insertFlow(db: Db, row: SocialFlowRow, now: number): Promise<void> {
  // Expired flows are swept as new ones start: the table holds minutes of sign-ins at most.
  await db.deleteFrom('social_flows').where('expires_at', '<', now).execute();
  await db.insertInto('social_flows').values(row).execute();
}

/** Consume-once: the flow for the one callback that claims it, unexpired; undefined for every other. */
export async function consumeFlow(db: Db, stateHash: string, now: number): Promise<SocialFlowRow | undefined> {
  const r = await db
    .updateTable('social_flows')
    .set({ consumed_at: now })
    .where('state_hash', '=', stateHash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return undefined;
  return db.selectFrom('social_flows').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
}

export function findIdentity(db: Db, provider: string, subject: string): Promise<UserIdentityRow | undefined> {
  return db.selectFrom('user_identities').selectAll().where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
}

export function identitiesOfUser(db: Db, userId: string): Promise<UserIdentityRow[]> {
  return db.selectFrom('user_identities').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
}

/** Inserts a link; false when the provider account or the user's slot for this provider is taken. */
export async function insertIdentity(db: Db, row: UserIdentityRow): Promise<boolean> {
  try {
    await db.insertInto('user_identities').values(row).execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export async function touchIdentity(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('user_identities').set({ last_used_at: now }).where('id', '=', id).execute();
}

/** Deletes one of the user's links; false when it is not theirs (or gone). */
export async function deleteIdentity(db: Db, userId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('user_identities').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
