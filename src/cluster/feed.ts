import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { Storage } from '../storage/index.ts';
import { appendChange, changesSince, latestChangeId, pruneChanges } from './change-feed.ts';
import { type Deliver, EVERY_ENTRY, INVALIDATION_TOPICS, isInvalidationTopic, type Transport } from './invalidation.ts';

export interface ChangeFeedDeps {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly log: Logger;
  /** Monotonic milliseconds (tests move it); default `performance.now`. */
  readonly elapsed?: () => number;
}

/** The change feed as a transport: every process writes to it; servers also read it. */
export interface ChangeFeed extends Transport {
  /** Starts reading every `intervalMs` from the newest change (a process that starts has nothing cached). */
  watch(intervalMs: number): Promise<void>;
  /** Reads what is new once, now. */
  poll(): Promise<void>;
}

const BATCH = 500;
/** How long rows are kept. A reader that stalls longer drops everything it caches (it may have missed some). */
export const FEED_RETENTION_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 60_000;
/**
 * An id missing below ids already visible belongs to a write not yet committed (PostgreSQL hands out
 * sequence numbers before commit) or to one rolled back. Wait this long for it before moving past.
 */
const GAP_WAIT_MS = 2_000;

/**
 * The durable path of invalidations, in every deployment: each publish appends a row (after the
 * change it describes is committed); each server reads `id > last seen` every `intervalMs` and
 * replays what other processes wrote into its own handlers. A CLI run only writes.
 *
 * @example
 * const local = createLocalBus();
 * const feed = changeFeed({ storage, clock, log }, local.publish);
 * await feed.watch(250);
 */
export function changeFeed(deps: ChangeFeedDeps, deliver: Deliver): ChangeFeed {
  const { storage, clock, log } = deps;
  const elapsed = deps.elapsed ?? (() => performance.now());
  const db = storage.db;
  const origin = randomUUID();
  const pending = new Set<Promise<void>>();
  /** Every id up to here has been applied (or waited for long enough). */
  let cursor = 0;
  /** Ids above the cursor already applied (they came after a gap). */
  const applied = new Set<number>();
  let gapSince: number | undefined;
  let lastRead = elapsed();
  let lastPrune = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failing = false;
  let closed = false;

  function advance(ids: readonly number[], t: number): void {
    for (const id of ids) {
      if (id <= cursor) continue;
      if (id !== cursor + 1) {
        gapSince ??= t;
        if (t - gapSince < GAP_WAIT_MS) break;
      }
      cursor = id;
      gapSince = undefined;
    }
    for (const id of applied) if (id <= cursor) applied.delete(id);
  }

  async function readOnce(): Promise<number> {
    const rows = await changesSince(db, cursor, BATCH);
    const t = elapsed();
    if (t - lastRead > FEED_RETENTION_MS / 2) {
      log.warn('change feed: not read for minutes; dropping every cached credential');
      for (const topic of INVALIDATION_TOPICS) deliver(topic, EVERY_ENTRY);
    }
    lastRead = t;
    for (const row of rows) {
      if (applied.has(row.id)) continue;
      applied.add(row.id);
      if (row.origin !== origin && isInvalidationTopic(row.topic)) deliver(row.topic, row.entity_id);
    }
    const before = cursor;
    advance(
      rows.map((r) => r.id),
      t,
    );
    if (t - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = t;
      await pruneChanges(db, clock.now() - FEED_RETENTION_MS);
    }
    return rows.length === BATCH && cursor > before ? rows.length : 0;
  }

  let last: Promise<void> = Promise.resolve();

  async function poll(): Promise<void> {
    while ((await readOnce()) > 0 && !closed) {
      // a full batch: read on at once
    }
  }

  async function tick(intervalMs: number): Promise<void> {
    try {
      await poll();
      if (failing) log.info('change feed: reading again');
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err: { message: (err as Error).message } }, 'change feed: read failed; retrying');
      failing = true;
    }
    if (closed) return;
    timer = setTimeout(() => {
      running = tick(intervalMs);
    }, intervalMs);
    timer.unref();
  }

  return {
    send(topic, id) {
      // One write at a time, so this process's changes get ids in the order it made them.
      const at = clock.now();
      const write: Promise<void> = last
        .then(() => appendChange(db, topic, id, origin, at))
        .catch((err: unknown) => {
          log.error(
            { err: { message: (err as Error).message }, topic, id },
            'change feed: write failed; other processes keep this entry until their cache TTL',
          );
        })
        .finally(() => pending.delete(write));
      pending.add(write);
      last = write;
    },

    async watch(intervalMs) {
      cursor = await latestChangeId(db);
      lastRead = elapsed();
      timer = setTimeout(() => {
        running = tick(intervalMs);
      }, intervalMs);
      timer.unref();
    },

    poll,

    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
      await Promise.all(pending);
    },
  };
}
