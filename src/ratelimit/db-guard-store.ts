import { sql } from 'kysely';
import type { Db } from '../storage/index.ts';
import type { GuardRule, GuardStore } from './guard.ts';

/** Forgotten counters are swept once every this many failures. */
const SWEEP_EVERY = 500;

/** The lockout of `failures` failures (see `failOnce`): 0 below the threshold, then doubling up to the window. */
export function lockoutAfter(failures: number, now: number, r: GuardRule): number {
  const over = failures - r.threshold;
  return over < 0 ? 0 : now + Math.min(r.windowMs, r.lockoutMs * 2 ** Math.min(over, 30));
}

/**
 * Brute-force counters in the database, for single-node mode (no Redis): they survive a restart,
 * and processes sharing the database share them. Race-free: the failure count is one upsert
 * (`… on conflict do update … returning`), and the lockout end only ever moves forward.
 */
export function dbGuardStore(db: Db): GuardStore {
  let failures = 0;
  return {
    async lockedUntil(key) {
      const row = await db.selectFrom('attempt_failures').select('locked_until').where('key', '=', key).executeTakeFirst();
      return Number(row?.locked_until ?? 0);
    },
    async fail(key, now, r) {
      const row = await db
        .insertInto('attempt_failures')
        .values({ key, failures: 1, last_failure_at: now, locked_until: 0 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures: sql<number>`case when excluded.last_failure_at - attempt_failures.last_failure_at <= ${r.windowMs}
              then attempt_failures.failures + 1 else 1 end`,
            last_failure_at: sql<number>`excluded.last_failure_at`,
          }),
        )
        .returning('failures')
        .executeTakeFirstOrThrow();
      const until = lockoutAfter(Number(row.failures), now, r);
      if (until > 0) {
        await db
          .updateTable('attempt_failures')
          .set({ locked_until: until })
          .where('key', '=', key)
          .where('locked_until', '<', until)
          .execute();
      }
      if (++failures % SWEEP_EVERY === 0) {
        await db
          .deleteFrom('attempt_failures')
          .where('last_failure_at', '<', now - r.windowMs)
          .where('locked_until', '<', now)
          .execute();
      }
      return until;
    },
    async reset(key) {
      await db.deleteFrom('attempt_failures').where('key', '=', key).execute();
    },
  };
}
