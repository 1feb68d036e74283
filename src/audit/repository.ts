import { type ExpressionBuilder, sql } from 'kysely';
import type { Database, Db } from '../storage/index.ts';
import type { AuditEventRow } from './tables.ts';

/** The audit table's only reads and writes. Every function takes the handle or a transaction. */

/** Inserts a batch in one statement (atomic on both dialects). */
export async function insertEvents(db: Db, rows: readonly AuditEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('audit_events')
    .values([...rows])
    .execute();
}

export interface EventFilter {
  /** Only this organization's events; undefined means every event (operators on the CLI). */
  readonly organizationId?: string;
  /** An exact action, or a prefix ending in `*` (`auth.login.*`). */
  readonly action?: string;
  readonly actorType?: string;
  readonly actorId?: string;
  readonly targetType?: string;
  readonly targetId?: string;
  readonly outcome?: AuditEventRow['outcome'];
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
}

/** `action` starts with `prefix`, case-sensitively and with no wildcard, on both dialects. */
function actionStartsWith(prefix: string) {
  const length = [...prefix].length;
  return (eb: ExpressionBuilder<Database, 'audit_events'>) =>
    eb(sql<string>`substr(${sql.ref('action')}, 1, ${sql.lit(length)})`, '=', prefix);
}

function filtered(db: Db, f: EventFilter) {
  let q = db.selectFrom('audit_events').selectAll();
  if (f.organizationId !== undefined) q = q.where('organization_id', '=', f.organizationId);
  if (f.action !== undefined) {
    if (f.action.endsWith('*')) q = q.where(actionStartsWith(f.action.slice(0, -1)));
    else q = q.where('action', '=', f.action);
  }
  if (f.actorType !== undefined) q = q.where('actor_type', '=', f.actorType);
  if (f.actorId !== undefined) q = q.where('actor_id', '=', f.actorId);
  if (f.targetType !== undefined) q = q.where('target_type', '=', f.targetType);
  if (f.targetId !== undefined) q = q.where('target_id', '=', f.targetId);
  if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome);
  if (f.since !== undefined) q = q.where('occurred_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('occurred_at', '<', f.until);
  return q;
}

/**
 * A page of events, newest first, strictly older than `cursor` (an event id); `limit + 1` rows so
 * the caller knows whether there is more.
 */
export async function listEvents(db: Db, f: EventFilter, limit: number, cursor?: string): Promise<AuditEventRow[]> {
  let q = filtered(db, f)
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (cursor !== undefined) q = q.where('id', '<', cursor);
  return q.execute();
}

/**
 * Events at or after `since` (epoch ms), oldest first, after `afterId` when given (the next page
 * of the same poll): what `audit list --follow` reads.
 */
export async function eventsSince(db: Db, f: EventFilter, since: number, limit: number, afterId?: string): Promise<AuditEventRow[]> {
  let q = filtered(db, { ...f, since: Math.max(since, f.since ?? since) })
    .orderBy('id', 'asc')
    .limit(limit);
  if (afterId !== undefined) q = q.where('id', '>', afterId);
  return q.execute();
}

/**
 * Deletes events older than `before` (epoch ms) in chunks, so a first prune of a large table
 * never holds one long lock. Answers how many went.
 */
export async function pruneEvents(db: Db, before: number, chunk = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await db
      .deleteFrom('audit_events')
      .where('id', 'in', (eb) => eb.selectFrom('audit_events').select('id').where('occurred_at', '<', before).limit(chunk))
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    total += n;
    if (n < chunk) return total;
  }
}
