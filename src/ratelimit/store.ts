import { ExpiringCache } from '../lib/expiring-cache.ts';
import { gcraStep, type Policy, type Step } from './gcra.ts';

/** Where buckets live: this node's memory, or Redis shared by every node. */
export interface LimitStore {
  /** Counts one request against `key` under `policy` at `now`, atomically. */
  step(key: string, policy: Policy, now: number): Step | Promise<Step>;
  /** The bucket's state without counting a request (for routes that are never limited). */
  peek(key: string, now: number): number | undefined | Promise<number | undefined>;
}

/** One node's buckets: synchronous, so concurrent requests are counted exactly and cost no promise. */
export interface MemoryStore extends LimitStore {
  step(key: string, policy: Policy, now: number): Step;
  peek(key: string, now: number): number | undefined;
}

export function createMemoryStore(maxBuckets = 100_000): MemoryStore {
  const tats = new ExpiringCache<number>(maxBuckets);
  return {
    step(key, policy, now) {
      const step = gcraStep(tats.get(key, now), now, policy);
      if (step.allowed) tats.set(key, step.tat, step.tat);
      return step;
    },
    peek: (key, now) => tats.get(key, now),
  };
}
