import { hash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Config } from '../config/index.ts';
import { GatehouseError } from '../errors/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * One-time identifiers (DPoP proof `jti`, private_key_jwt assertion `jti`): the first use of a
 * key wins, every later use until it expires is a replay. Shared through Redis when `redisUrl` is
 * set (every node sees every use), in this process otherwise.
 */
export interface ReplayCache {
  /**
   * True the first time `key` is seen before `expiresAt` (epoch ms), false on a replay. Throws
   * `replay_cache_unavailable` when the shared cache cannot answer (fail closed).
   */
  firstUse(namespace: string, key: string, expiresAt: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Entries kept in memory at most; beyond it a new identifier is refused rather than an old one forgotten. */
const MEMORY_LIMIT = 500_000;

function memoryCache(clock: Clock): ReplayCache {
  const seen = new Map<string, number>();
  let nextSweep = 0;
  return {
    async firstUse(namespace, key, expiresAt) {
      const now = clock.now();
      if (now >= nextSweep || seen.size >= MEMORY_LIMIT) {
        for (const [k, until] of seen) if (until <= now) seen.delete(k);
        nextSweep = now + 10_000;
      }
      const id = `${namespace}\n${key}`;
      const until = seen.get(id);
      if (until !== undefined && until > now) return false;
      if (seen.size >= MEMORY_LIMIT) throw new GatehouseError('replay_cache_unavailable', 'Too many one-time identifiers in flight');
      seen.set(id, expiresAt);
      return true;
    },
    async close() {
      seen.clear();
    },
  };
}

function redisCache(url: string, prefix: string, clock: Clock, log: Logger): ReplayCache {
  const client = new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: 1, commandTimeout: 500, lazyConnect: false });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) log.warn({ err: { message: err.message } }, 'replay cache: Redis unavailable; one-time proofs are refused');
    down = true;
  });
  client.on('ready', () => {
    down = false;
  });
  return {
    async firstUse(namespace, key, expiresAt) {
      const ttl = Math.max(1000, Math.ceil(expiresAt - clock.now()));
      // Hashed: a bounded key whatever the caller sent.
      const redisKey = `${prefix}replay:${namespace}:${hash('sha256', key, 'base64url')}`;
      try {
        return (await client.set(redisKey, '1', 'PX', ttl, 'NX')) === 'OK';
      } catch (err) {
        throw new GatehouseError('replay_cache_unavailable', undefined, {}, { cause: err });
      }
    },
    async close() {
      client.disconnect();
    },
  };
}

/**
 * @example
 * const replay = createReplayCache({ config, clock, log });
 * if (!(await replay.firstUse('dpop', jti, expiresAt))) throw new Error('replayed');
 */
export function createReplayCache(deps: { config: Config; clock: Clock; log: Logger }): ReplayCache {
  const { config, clock, log } = deps;
  return config.redisUrl ? redisCache(config.redisUrl, config.redisKeyPrefix, clock, log) : memoryCache(clock);
}
