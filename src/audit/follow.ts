import type { Db } from '../storage/index.ts';
import { type EventFilter, eventsSince } from './repository.ts';
import type { AuditEventRow } from './tables.ts';

/** How far back each poll looks again: events buffered on other nodes arrive late, with older ids. */
export const FOLLOW_LOOKBACK_MS = 10_000;
const PAGE = 500;

export interface FollowOptions {
  readonly filter: EventFilter;
  /** Print events from this time on (epoch ms). */
  readonly from: number;
  readonly intervalMs: number;
  /** Ids already shown (the initial listing), so they are not shown again. */
  readonly seen?: Iterable<AuditEventRow>;
  /** Resolves when following should stop (Ctrl-C). */
  readonly stopped: Promise<void>;
  onEvent(row: AuditEventRow): void;
}

/**
 * Polls for new events until `stopped` resolves. Each poll re-reads the last
 * `FOLLOW_LOOKBACK_MS` (by event time) and skips ids it has shown, so an event another node
 * writes a few seconds late (its batch buffer) is still shown once, in the order it arrives.
 */
export async function followEvents(db: Db, opts: FollowOptions): Promise<void> {
  const shown = new Map<string, number>();
  let newest = opts.from;
  for (const row of opts.seen ?? []) {
    shown.set(row.id, row.occurred_at);
    newest = Math.max(newest, row.occurred_at);
  }
  let stop = false;
  void opts.stopped.then(() => {
    stop = true;
  });
  while (!stop) {
    const since = Math.max(opts.from, newest - FOLLOW_LOOKBACK_MS);
    let afterId: string | undefined;
    for (;;) {
      const rows = await eventsSince(db, opts.filter, since, PAGE, afterId);
      for (const row of rows) {
        if (shown.has(row.id)) continue;
        shown.set(row.id, row.occurred_at);
        newest = Math.max(newest, row.occurred_at);
        opts.onEvent(row);
      }
      afterId = rows[rows.length - 1]?.id;
      if (rows.length < PAGE || stop) break;
    }
    for (const [id, at] of shown) if (at < newest - 2 * FOLLOW_LOOKBACK_MS) shown.delete(id);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([opts.stopped, new Promise((r) => (timer = setTimeout(r, opts.intervalMs)))]);
    clearTimeout(timer);
  }
}
