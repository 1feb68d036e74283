import type { AuditLogDeps } from './log.ts';
import { pruneEvents } from './repository.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface Retention {
  /** Prunes now (joins a prune already running); never throws, answers how many rows went. */
  run(): Promise<number>;
  /** Resolves when no prune is running (so storage can close safely). */
  idle(): Promise<void>;
  stop(): void;
}

/**
 * Enforces `auditRetentionDays`: deletes events older than that by the injected clock, once at
 * start and then every `intervalMs` (an unref'd timer). Every node may prune: deleting is
 * idempotent.
 */
export function startRetention(deps: AuditLogDeps, opts: { intervalMs?: number | false } = {}): Retention {
  const { storage, clock, log, config } = deps;
  let running: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;

  function run(): Promise<number> {
    if (!running) {
      const before = clock.now() - config.auditRetentionDays * DAY_MS;
      running = pruneEvents(storage.db, before)
        .then((n) => {
          if (n > 0) log.info({ audit_events_deleted: n, retention_days: config.auditRetentionDays }, 'audit events pruned');
          return n;
        })
        .catch((err: unknown) => {
          const code = (err as { code?: unknown } | null)?.code;
          log.warn({ err: { code: typeof code === 'string' ? code : undefined } }, 'audit retention prune failed; will retry');
          return 0;
        })
        .finally(() => {
          running = null;
        });
    }
    return running;
  }

  const intervalMs = opts.intervalMs ?? HOUR_MS;
  if (intervalMs !== false) {
    void run();
    timer = setInterval(() => void run(), intervalMs);
    timer.unref();
  }

  return {
    run,
    async idle() {
      if (running) await running;
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
