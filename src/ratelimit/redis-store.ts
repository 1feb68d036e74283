import type { Redis } from 'ioredis';
import { gcraParams } from './gcra.ts';
import type { LimitsRedis } from './redis.ts';
import type { LimitStore } from './store.ts';

/** `gcraStep` (gcra.ts) in Lua: the TAT is read, checked and written in one atomic script. */
const GCRA_LUA = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local nxt = tat + interval
if nxt - now > tolerance then return {0, string.format('%.17g', tat)} end
redis.call('SET', KEYS[1], string.format('%.17g', nxt), 'PX', math.ceil(nxt - now) + 1000)
return {1, string.format('%.17g', nxt)}
`;

type GcraRedis = Redis & { gatehouseGcra(key: string, now: number, interval: number, tolerance: number): Promise<[number, string]> };

/**
 * Buckets shared by every node through Redis. Each request is one script call; a failed call
 * rejects, and the limiter decides whether to fall back or fail closed.
 */
export function createRedisStore(redis: LimitsRedis, prefix: string): LimitStore {
  const client = redis.client as GcraRedis;
  if (typeof client.gatehouseGcra !== 'function') client.defineCommand('gatehouseGcra', { numberOfKeys: 1, lua: GCRA_LUA });
  return {
    async step(key, policy, now) {
      const { interval, tolerance } = gcraParams(policy);
      const [allowed, tat] = await client.gatehouseGcra(prefix + key, now, interval, tolerance);
      redis.ok();
      return { allowed: allowed === 1, tat: Number(tat) };
    },
    async peek(key) {
      const tat = await client.get(prefix + key);
      redis.ok();
      return tat === null ? undefined : Number(tat);
    },
  };
}
