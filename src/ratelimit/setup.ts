import { workerGuardStore, workerLimitStore } from '../cluster/ipc-limit-store.ts';
import type { CoreDeps } from '../deps.ts';
import type { AttemptGuard } from './attempt-guard.ts';
import { createAttemptGuard } from './guard.ts';
import { createRateLimiter, type RateLimiter } from './limiter.ts';
import { LimitsRedis } from './redis.ts';

/** Rate limits and brute-force protection, sharing one Redis connection when `redisUrl` is set. */
export interface Limits {
  readonly guard: AttemptGuard;
  readonly limiter: RateLimiter;
  /** Resolves once Redis is connected (or gave up for now); immediately without Redis. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function createLimits(deps: CoreDeps): Limits {
  const redis = deps.config.redisUrl ? new LimitsRedis(deps.config.redisUrl, deps.log) : undefined;
  const withRedis = redis ? { redis } : {};
  // Workers of one `serve --workers N` without Redis share the primary's buckets.
  const workers = redis ? undefined : workerLimitStore();
  const workerGuard = redis ? undefined : workerGuardStore();
  const limiter = createRateLimiter({ ...deps, ...withRedis, ...(workers ? { sharedStore: workers } : {}) });
  return {
    guard: createAttemptGuard({ ...deps, ...withRedis, ...(workerGuard ? { sharedStore: workerGuard } : {}) }),
    limiter,
    ready: async () => redis?.waitReady(),
    async close() {
      redis?.close();
    },
  };
}
