import type { CoreDeps } from '../deps.ts';
import type { AuditEventInput, AuditLog } from './audit.ts';
import { eventIdGenerator } from './event-id.ts';
import { insertEvents } from './repository.ts';
import { startRetention } from './retention.ts';
import { sanitizeEvent } from './sanitize.ts';
import type { AuditEventRow } from './tables.ts';

/** What the audit log needs from the core. */
export type AuditLogDeps = Pick<CoreDeps, 'config' | 'storage' | 'clock' | 'log'>;

export interface AuditLogOptions {
  /** Write at least this often while events wait (default `config.auditFlushInterval`). */
  readonly flushIntervalMs?: number;
  /** Write as soon as this many wait; also the most rows per INSERT (default 100). */
  readonly batchSize?: number;
  /** Most events held while storage fails; beyond it the oldest are dropped and counted (default 10 000). */
  readonly maxBuffered?: number;
  /** Tries per event before it is dropped and counted (default 5). */
  readonly maxAttempts?: number;
  /** Retention: prune at start and then this often (default one hour); `false` turns it off. */
  readonly pruneIntervalMs?: number | false;
}

/** The audit log of `createAuditLog`: the `AuditLog` contract plus retention and shutdown. */
export interface StoredAuditLog extends AuditLog {
  /** Deletes events older than `auditRetentionDays` by the injected clock; answers how many. */
  prune(): Promise<number>;
  /** Stops the timers and writes what is left; events recorded afterwards are counted as lost. */
  close(): Promise<void>;
  /** Events waiting to be written (for tests and metrics). */
  readonly pending: number;
}

interface Pending {
  readonly row: AuditEventRow;
  attempts: number;
}

/** A storage error reduced to what is safe to log: its code and a message without quoted values. */
export function errorSummary(err: unknown): { code?: string; message: string } {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message.replace(/(["'`]).*?\1/g, '$1…$1').slice(0, 200) : 'unknown error';
  return typeof e?.code === 'string' ? { code: e.code, message } : { message };
}

/**
 * The audit trail over the storage contract. `record` sanitises the event, stamps it with the
 * injected clock and a time-sortable `evt_…` id, and only appends it to a memory buffer: the
 * request never waits on a database write. The buffer is written in batches (one multi-row
 * INSERT) every `auditFlushInterval`, as soon as `batchSize` events wait, and on `flush()` and
 * `close()`. A failed write keeps the batch for a later try (with backoff); an event that fails
 * `maxAttempts` times, or overflows `maxBuffered`, is dropped and *counted* in an error log line
 * that carries counts and the storage error only, never event contents.
 *
 * @example
 * const audit = createAuditLog({ config, storage, clock, log });
 * audit.record({ action: 'auth.logout', outcome: 'success', organizationId, actor: { type: 'user', id } });
 * await audit.close();
 */
export function createAuditLog(deps: AuditLogDeps, opts: AuditLogOptions = {}): StoredAuditLog {
  const { storage, clock, log, config } = deps;
  const flushIntervalMs = opts.flushIntervalMs ?? Math.max(10, Math.round(config.auditFlushInterval * 1000));
  const batchSize = opts.batchSize ?? 100;
  const maxBuffered = opts.maxBuffered ?? 10_000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const nextId = eventIdGenerator();

  const pending: Pending[] = [];
  let draining: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;
  let closed = false;

  const retention = startRetention(deps, opts.pruneIntervalMs === undefined ? {} : { intervalMs: opts.pruneIntervalMs });

  function lost(count: number, reason: string): void {
    if (count > 0) log.error({ audit_events_lost: count, reason }, 'audit events were lost');
  }

  /** Arms the flush timer (unref'd: it never keeps the process alive). */
  function arm(delay = flushIntervalMs): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void drain();
    }, delay);
    timer.unref();
  }

  function toRow(input: AuditEventInput): AuditEventRow {
    const e = sanitizeEvent(input);
    const now = clock.now();
    return {
      id: nextId(now),
      occurred_at: now,
      organization_id: e.organizationId,
      actor_type: e.actorType,
      actor_id: e.actorId,
      action: e.action,
      outcome: e.outcome,
      target_type: e.targetType,
      target_id: e.targetId,
      ip: e.ip,
      user_agent: e.userAgent,
      request_id: e.requestId,
      details: JSON.stringify(e.details),
    };
  }

  /** Writes everything waiting, batch by batch; stops at the first failure (false) and retries later. */
  async function writeAll(): Promise<boolean> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    while (pending.length > 0) {
      const batch = pending.splice(0, batchSize);
      try {
        await insertEvents(
          storage.db,
          batch.map((p) => p.row),
        );
        failures = 0;
      } catch (err) {
        const retry = batch.filter((p) => ++p.attempts < maxAttempts);
        pending.unshift(...retry);
        failures++;
        log.error(
          { err: errorSummary(err), audit_events: batch.length, audit_events_pending: pending.length },
          'audit events could not be written; will retry',
        );
        lost(batch.length - retry.length, 'write failed repeatedly');
        if (!closed) arm(Math.min(30_000, flushIntervalMs * 2 ** Math.min(failures, 10)));
        return false;
      }
    }
    return true;
  }

  /** One writer at a time; a call during a write joins it. */
  function drain(): Promise<void> {
    if (!draining) {
      draining = writeAll()
        .catch(() => false)
        .then((ok) => {
          draining = null;
          // A full batch that arrived during the write goes at once; after a failure, the backoff timer decides.
          if (ok && pending.length >= batchSize) void drain();
          else if (pending.length > 0) arm();
        });
    }
    return draining;
  }

  async function flush(): Promise<void> {
    await retention.idle();
    if (draining) await draining;
    if (pending.length > 0) await drain();
    if (pending.length > 0) log.error({ audit_events_pending: pending.length }, 'audit events not yet written at flush');
  }

  return {
    record(input: AuditEventInput): void {
      try {
        if (closed) {
          lost(1, 'recorded after close');
          return;
        }
        pending.push({ row: toRow(input), attempts: 0 });
        if (pending.length > maxBuffered) lost(pending.splice(0, pending.length - maxBuffered).length, 'buffer full');
        if (pending.length >= batchSize && !draining) void drain();
        else arm();
      } catch {
        // Never into the caller's path; still never silent.
        try {
          lost(1, 'event could not be prepared');
        } catch {}
      }
    },
    flush,
    prune: () => retention.run(),
    async close() {
      if (closed) return;
      retention.stop();
      await flush();
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      lost(pending.splice(0).length, 'not written before close');
    },
    get pending() {
      return pending.length;
    },
  };
}
