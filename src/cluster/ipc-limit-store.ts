import type { Step } from '../ratelimit/gcra.ts';
import type { LimitStore } from '../ratelimit/store.ts';
import { isGatehouseMessage, isGatehouseWorker, type PrimaryMessage, sendToPrimary } from './ipc.ts';

/** How long a worker waits for the primary before the limiter treats the store as down. */
const TIMEOUT_MS = 1000;

/**
 * The rate-limit buckets of `serve --workers N` without Redis: the primary process holds them
 * in memory and answers each step over IPC, so N workers count one request exactly once against
 * one bucket. (Redis, when configured, is used instead; a SQLite counter would cost a write
 * transaction per request, serialised with every other write.) Undefined outside a worker.
 */
export function workerLimitStore(): LimitStore | undefined {
  if (!isGatehouseWorker()) return undefined;
  const pending = new Map<number, { resolve: (s: Step) => void; timer: NodeJS.Timeout }>();
  let next = 0;
  process.on('message', (m: unknown) => {
    if (!isGatehouseMessage(m) || m.gh !== 'step') return;
    const msg = m as Extract<PrimaryMessage, { gh: 'step' }>;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    p.resolve(msg.step);
  });
  return {
    step(key, policy, now) {
      const id = ++next;
      return new Promise<Step>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('the primary process did not answer the rate-limit step'));
        }, TIMEOUT_MS);
        pending.set(id, { resolve, timer });
        if (!sendToPrimary({ gh: 'step', id, key, policy, now })) {
          pending.delete(id);
          clearTimeout(timer);
          reject(new Error('no channel to the primary process'));
        }
      });
    },
  };
}
