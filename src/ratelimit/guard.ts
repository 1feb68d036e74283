import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../config/index.ts';
import { GatehouseError } from '../errors/index.ts';
import type { Clock } from '../lib/clock.ts';
import { ExpiringCache } from '../lib/expiring-cache.ts';
import type { Storage } from '../storage/index.ts';
import type { AttemptGuard, AttemptKeys, GuardedSurface } from './attempt-guard.ts';
import { dbGuardStore, lockoutAfter } from './db-guard-store.ts';
import type { LimitsRedis } from './redis.ts';

/** Failure counting parameters of one counter (account or IP). */
export interface GuardRule {
  readonly threshold: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
}

/** A counter's state: failures within the window, the last one, and the lockout end (epoch ms). */
interface Counter {
  readonly failures: number;
  readonly last: number;
  readonly lockedUntil: number;
}

/**
 * One failed attempt: failures older than the window are forgotten; from the threshold on, each
 * failure locks the counter for `lockout × 2^(failures − threshold)`, at most the window. The
 * Redis store runs the same arithmetic in Lua.
 */
export function failOnce(c: Counter | undefined, now: number, r: GuardRule): Counter {
  const failures = (c && now - c.last <= r.windowMs ? c.failures : 0) + 1;
  return { failures, last: now, lockedUntil: lockoutAfter(failures, now, r) };
}

/** Where counters live: this node's memory, Redis, or the database. */
export interface GuardStore {
  lockedUntil(key: string, now: number): Promise<number>;
  fail(key: string, now: number, r: GuardRule): Promise<number>;
  reset(key: string): Promise<void>;
}

function memoryGuardStore(): GuardStore {
  const counters = new ExpiringCache<Counter>(100_000);
  return {
    async lockedUntil(key, now) {
      return counters.get(key, now)?.lockedUntil ?? 0;
    },
    async fail(key, now, r) {
      const next = failOnce(counters.get(key, now), now, r);
      counters.set(key, next, Math.max(next.lockedUntil, now + r.windowMs));
      return next.lockedUntil;
    },
    async reset(key) {
      counters.delete(key);
    },
  };
}

const FAIL_LUA = `
local now = tonumber(ARGV[1]); local threshold = tonumber(ARGV[2]); local window = tonumber(ARGV[3]); local lockout = tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 'f', 'l')
local failures = 0
if v[1] and now - tonumber(v[2]) <= window then failures = tonumber(v[1]) end
failures = failures + 1
local over = failures - threshold
local locked = 0
if over >= 0 then locked = now + math.min(window, lockout * 2 ^ math.min(over, 30)) end
redis.call('HSET', KEYS[1], 'f', failures, 'l', now, 'u', locked)
redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(locked - now, window)))
return tostring(locked)
`;

type GuardRedis = Redis & { gatehouseFail(key: string, now: number, threshold: number, window: number, lockout: number): Promise<string> };

function redisGuardStore(redis: LimitsRedis, prefix: string): GuardStore {
  const client = redis.client as GuardRedis;
  if (typeof client.gatehouseFail !== 'function') client.defineCommand('gatehouseFail', { numberOfKeys: 1, lua: FAIL_LUA });
  return {
    async lockedUntil(key) {
      const v = await client.hget(prefix + key, 'u');
      redis.ok();
      return Number(v ?? 0);
    },
    async fail(key, now, r) {
      const v = await client.gatehouseFail(prefix + key, now, r.threshold, r.windowMs, r.lockoutMs);
      redis.ok();
      return Number(v);
    },
    async reset(key) {
      await client.del(prefix + key);
      redis.ok();
    },
  };
}

/** Account identifiers are hashed: counters never hold an email address in clear. */
const hashed = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

/**
 * Brute-force protection for secret-guessing surfaces: failures counted per account and per
 * client IP; once either is locked, attempts get 429 with `Retry-After` — whether the secret is
 * right or not — and each one extends the lockout. Unknown accounts count exactly as known ones.
 * With Redis every node shares the counters; while Redis is down this node counts alone. Without
 * Redis the counters live in the database (given `storage`), so a restart keeps them.
 */
export function createAttemptGuard(deps: { config: Config; clock: Clock; redis?: LimitsRedis; storage?: Storage }): AttemptGuard {
  const { config, clock, redis, storage } = deps;
  const windowMs = config.bruteForceWindow * 1000;
  const lockoutMs = config.bruteForceLockout * 1000;
  const account: GuardRule = { threshold: config.bruteForceThreshold, windowMs, lockoutMs };
  const ip: GuardRule = { threshold: config.bruteForceIpThreshold, windowMs, lockoutMs };
  const local = !redis && storage ? dbGuardStore(storage.db) : memoryGuardStore();
  const shared = redis ? redisGuardStore(redis, `${config.redisKeyPrefix}bf:`) : undefined;

  async function run<T>(op: (s: GuardStore) => Promise<T>): Promise<T> {
    if (shared) {
      try {
        return await op(shared);
      } catch (err) {
        redis?.failed(err);
      }
    }
    return op(local);
  }

  const counters = (surface: GuardedSurface, keys: AttemptKeys) => {
    const out: [string, GuardRule][] = [[`${surface}:ip:${keys.ip}`, ip]];
    if (keys.account !== undefined) out.push([`${surface}:acct:${hashed(keys.account)}`, account]);
    return out;
  };

  async function fail(surface: GuardedSurface, keys: AttemptKeys, now: number): Promise<number> {
    let until = 0;
    for (const [key, rule] of counters(surface, keys)) until = Math.max(until, await run((s) => s.fail(key, now, rule)));
    return until;
  }

  return {
    async assertAllowed(surface, keys) {
      const now = clock.now();
      let locked = false;
      for (const [key] of counters(surface, keys)) if ((await run((s) => s.lockedUntil(key, now))) > now) locked = true;
      if (!locked) return;
      const until = await fail(surface, keys, now);
      throw new GatehouseError('too_many_attempts', 'Too many failed attempts; try again later', {
        retryAfter: Math.max(1, (until - now) / 1000),
      });
    },
    async recordFailure(surface, keys) {
      await fail(surface, keys, clock.now());
    },
    async recordSuccess(surface, keys) {
      if (keys.account !== undefined) {
        const key = `${surface}:acct:${hashed(keys.account)}`;
        await run((s) => s.reset(key));
      }
    },
  };
}
