import { ExpiringCache } from '../lib/expiring-cache.ts';
import { type Decision, describeStep, gcraStep, type Policy } from './gcra.ts';

/** Where buckets live: this node's memory, or Redis shared by every node. */
export interface LimitStore {
  /** Counts one request against `key` under `policy` at `now`, atomically. */
  consume(key: string, policy: Policy, now: number): Promise<Decision>;
  close(): Promise<void>;
}

/**
 * One node's buckets. JavaScript runs each `consume` to completion, so concurrent requests are
 * counted exactly.
 */
export function createMemoryStore(maxBuckets = 100_000): LimitStore {
  const tats = new ExpiringCache<number>(maxBuckets);
  return {
    async consume(key, policy, now) {
      const step = gcraStep(tats.get(key, now), now, policy);
      if (step.allowed) tats.set(key, step.tat, step.tat);
      return describeStep(step.allowed, step.tat, now, policy);
    },
    async close() {},
  };
}
