import type { Step } from '../ratelimit/gcra.ts';
import type { GuardStore } from '../ratelimit/guard.ts';
import type { LimitStore } from '../ratelimit/store.ts';
import { askPrimary } from './ask-primary.ts';
import { isGatehouseWorker } from './ipc.ts';

/**
 * The rate-limit buckets of `serve --workers N` without Redis: the primary process holds them
 * in memory and answers each step over IPC, so N workers count one request exactly once against
 * one bucket. (Redis, when configured, is used instead; a SQLite counter would cost a write
 * transaction per request, serialised with every other write.) Undefined outside a worker.
 */
export function workerLimitStore(): LimitStore | undefined {
  if (!isGatehouseWorker()) return undefined;
  return {
    async step(key, policy, now) {
      const reply = await askPrimary((id) => ({ gh: 'step', id, key, policy, now }));
      return (reply as { step: Step }).step;
    },
    async peek(key, now) {
      const reply = await askPrimary((id) => ({ gh: 'peek', id, key, now }));
      return (reply as { tat: number | null }).tat ?? undefined;
    },
  };
}

/** The brute-force counters of `serve --workers N` without Redis, held by the primary. Undefined outside a worker. */
export function workerGuardStore(): GuardStore | undefined {
  if (!isGatehouseWorker()) return undefined;
  const value = async (r: Promise<unknown>) => Number(((await r) as { value?: number }).value ?? 0);
  return {
    lockedUntil: (key, now) => value(askPrimary((id) => ({ gh: 'guard', id, op: 'lockedUntil', key, now }))),
    fail: (key, now, rule) => value(askPrimary((id) => ({ gh: 'guard', id, op: 'fail', key, now, rule }))),
    async reset(key) {
      await askPrimary((id) => ({ gh: 'guard', id, op: 'reset', key }));
    },
  };
}
