import { type Decision, describeStep, gcraStep, type Policy } from './gcra.ts';

/** Where buckets live: this node's memory, or Redis shared by every node. */
export interface LimitStore {
  /** Counts one request against `key` under `policy` at `now`, atomically. */
  consume(key: string, policy: Policy, now: number): Promise<Decision>;
  close(): Promise<void>;
}

/**
 * A bounded map of key → value with expiry, oldest entries dropped first. Shared by the
 * in-memory rate-limit and brute-force stores.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  constructor(private readonly max: number) {}

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, expiresAt: number, now: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.evict(now);
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired entries; if none were, the oldest tenth. */
  private evict(now: number): void {
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    if (this.entries.size < this.max) return;
    let drop = Math.max(1, Math.floor(this.max / 10));
    for (const k of this.entries.keys()) {
      this.entries.delete(k);
      if (--drop === 0) break;
    }
  }
}

/**
 * One node's buckets. JavaScript runs each `consume` to completion, so concurrent requests are
 * counted exactly.
 */
export function createMemoryStore(maxBuckets = 100_000): LimitStore {
  const tats = new ExpiringMap<number>(maxBuckets);
  return {
    async consume(key, policy, now) {
      const step = gcraStep(tats.get(key, now), now, policy);
      if (step.allowed) tats.set(key, step.tat, step.tat, now);
      return describeStep(step.allowed, step.tat, now, policy);
    },
    async close() {},
  };
}
