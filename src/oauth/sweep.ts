import { sql } from 'kysely';
import type { CoreDeps } from '../deps.ts';
import type { Db, Storage } from '../storage/index.ts';

/** Rows deleted by one sweep, per table. */
export interface SweepCounts {
  readonly interactions: number;
  readonly codes: number;
  readonly browserSessions: number;
  readonly revokedTokens: number;
}

/** Rows per delete statement, and statements per table per sweep: one sweep stays short. */
const BATCH = 500;
const MAX_BATCHES = 20;
/**
 * A code is kept this long after it expires, so a replay soon after still finds it (and revokes
 * what its first use issued); later a replay is refused as unknown.
 */
export const CODE_GRACE_MS = 10 * 60_000;
/**
 * The advisory lock's class (any number, the same on every node); its other half is the schema's
 * hash, so deployments (or test runs) in separate schemas of one database never wait for each other.
 */
export const PG_LOCK_CLASS = 0x6768_0013;

type Expiring = 'oauth_interactions' | 'oauth_codes' | 'oauth_browser_sessions' | 'oauth_revoked_tokens';
const KEY: Record<Expiring, string> = {
  oauth_interactions: 'id_hash',
  oauth_codes: 'code_hash',
  oauth_browser_sessions: 'id_hash',
  oauth_revoked_tokens: 'jti',
};

/** Deletes `table`'s rows with `expires_at` before `before`, in batches by primary key (one index range scan each). */
async function deleteExpired(db: Db, table: Expiring, before: number): Promise<number> {
  const key = KEY[table];
  let total = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const r =
      await sql`delete from ${sql.table(table)} where ${sql.ref(key)} in (select ${sql.ref(key)} from ${sql.table(table)} where expires_at < ${before} order by expires_at limit ${BATCH})`.execute(
        db,
      );
    const n = Number(r.numAffectedRows ?? 0);
    total += n;
    if (n < BATCH) break;
  }
  return total;
}

async function sweepTables(db: Db, now: number, clockSkewSeconds: number): Promise<SweepCounts> {
  return {
    interactions: await deleteExpired(db, 'oauth_interactions', now),
    codes: await deleteExpired(db, 'oauth_codes', now - CODE_GRACE_MS),
    browserSessions: await deleteExpired(db, 'oauth_browser_sessions', now),
    // A revoked token must stay listed while its signature would still pass (exp plus the allowed skew).
    revokedTokens: await deleteExpired(db, 'oauth_revoked_tokens', now - clockSkewSeconds * 1000),
  };
}

/**
 * Deletes the expired OAuth rows: interactions, authorization codes (after a grace), browser
 * sessions and revoked-token entries. Idempotent. On PostgreSQL the sweep runs in a transaction
 * holding a transaction-level advisory lock taken with `pg_try_advisory_xact_lock`: when another
 * node is sweeping, this one skips (answers undefined) instead of deleting the same rows.
 *
 * @example
 * const counts = await sweepExpiredOAuthRows(storage, clock.now(), config.clockSkew);
 */
export async function sweepExpiredOAuthRows(storage: Storage, now: number, clockSkewSeconds: number): Promise<SweepCounts | undefined> {
  if (storage.dialect !== 'postgres') return sweepTables(storage.db, now, clockSkewSeconds);
  return storage.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(${PG_LOCK_CLASS}::int, hashtext(current_schema())) as locked`.execute(trx);
    if (rows[0]?.locked !== true) return undefined;
    return sweepTables(trx, now, clockSkewSeconds);
  });
}

export interface OAuthSweep {
  /** Sweeps now (joins a sweep already running); never throws. */
  run(): Promise<SweepCounts | undefined>;
  /** Resolves when no sweep is running (so storage can close). */
  idle(): Promise<void>;
  stop(): void;
}

/**
 * Sweeps every `intervalMs` (default 5 minutes; the first between half and one interval after
 * start, at random, so nodes started together do not sweep together), on an unref'd timer, by the
 * injected clock.
 */
export function startOAuthSweep(
  deps: Pick<CoreDeps, 'storage' | 'clock' | 'log' | 'config'>,
  opts: { intervalMs?: number } = {},
): OAuthSweep {
  const { storage, clock, log, config } = deps;
  const intervalMs = opts.intervalMs ?? 5 * 60_000;
  let running: Promise<SweepCounts | undefined> | null = null;
  let timer: NodeJS.Timeout | null = null;

  function run(): Promise<SweepCounts | undefined> {
    running ??= sweepExpiredOAuthRows(storage, clock.now(), config.clockSkew)
      .then((counts) => {
        const total = counts ? Object.values(counts).reduce((a, n) => a + n, 0) : 0;
        if (counts && total > 0) log.info({ oauth_rows_deleted: counts }, 'expired OAuth rows swept');
        return counts;
      })
      .catch((err: unknown) => {
        const code = (err as { code?: unknown } | null)?.code;
        log.warn({ err: { code: typeof code === 'string' ? code : undefined } }, 'OAuth sweep failed; will retry');
        return undefined;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      void run().finally(() => {
        if (timer !== null) schedule(intervalMs);
      });
    }, ms);
    timer.unref();
  };
  // The first after half an interval and a random part of the other half: not at start-up, and not all nodes at once.
  schedule(Math.floor(intervalMs / 2 + (Math.random() * intervalMs) / 2));

  return {
    run,
    async idle() {
      if (running) await running;
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
