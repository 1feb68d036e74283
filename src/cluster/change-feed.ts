import type { Db } from '../storage/index.ts';
import type { ChangeFeedRow } from './change-feed-tables.ts';

export type Change = Pick<ChangeFeedRow, 'topic' | 'entity_id' | 'origin'> & { readonly id: number };

/** Appends one invalidation. */
export async function appendChange(db: Db, topic: string, entityId: string, origin: string, now: number): Promise<void> {
  await db.insertInto('change_feed').values({ topic, entity_id: entityId, origin, created_at: now }).execute();
}

/** The changes after `cursor`, oldest first: one range scan of the primary key. */
export async function changesSince(db: Db, cursor: number, limit: number): Promise<Change[]> {
  return db
    .selectFrom('change_feed')
    .select(['id', 'topic', 'entity_id', 'origin'])
    .where('id', '>', cursor)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The newest id (0 when the feed is empty): where a process that just started begins reading. */
export async function latestChangeId(db: Db): Promise<number> {
  const row = await db
    .selectFrom('change_feed')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Deletes the changes written before `before` (epoch ms); returns how many. */
export async function pruneChanges(db: Db, before: number): Promise<number> {
  const res = await db.deleteFrom('change_feed').where('created_at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
