import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.ts';

/** What was invalidated: a cache name and the id of the entry (`api_key`, `key_…`). */
export type InvalidationTopic = 'api_key' | 'session' | 'signing_keys' | 'oauth_client';

/**
 * Cross-node cache invalidation. A node that revokes something publishes it; every node (itself
 * included, synchronously) drops the cached entry. In-process when there is one node; Redis
 * pub/sub when `redisUrl` is set, so a revocation reaches every node within milliseconds.
 */
export interface InvalidationBus {
  publish(topic: InvalidationTopic, id: string): void;
  subscribe(topic: InvalidationTopic, handler: (id: string) => void): void;
  close(): Promise<void>;
}

const CHANNEL = 'gatehouse:invalidate';

/** One node: handlers run synchronously on publish. */
export function createLocalBus(): InvalidationBus {
  const events = new EventEmitter();
  events.setMaxListeners(100);
  return {
    publish: (topic, id) => {
      events.emit(topic, id);
    },
    subscribe: (topic, handler) => {
      events.on(topic, handler);
    },
    close: async () => {
      events.removeAllListeners();
    },
  };
}

/**
 * Many nodes: local handlers run at once, and the message goes to every other node through Redis.
 * While Redis is down, local invalidation still works and cache TTLs bound staleness elsewhere.
 */
export function createRedisBus(url: string, log: Logger): InvalidationBus {
  const local = createLocalBus();
  const nodeId = `${process.pid}:${Math.random().toString(36).slice(2)}`;
  const opts = { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false };
  const pub = new Redis(url, opts);
  const sub = new Redis(url, { ...opts, enableOfflineQueue: true });
  let warned = false;
  const onError = (err: Error) => {
    if (!warned) log.warn({ err: { message: err.message } }, 'invalidation bus: Redis unavailable; invalidations stay on this node');
    warned = true;
  };
  pub.on('error', onError);
  sub.on('error', onError);
  sub.on('ready', () => {
    warned = false;
  });
  sub.subscribe(CHANNEL).catch(onError);
  sub.on('message', (_channel: string, message: string) => {
    const [from, topic, id] = message.split('\n');
    if (from === nodeId || topic === undefined || id === undefined) return;
    local.publish(topic as InvalidationTopic, id);
  });
  return {
    publish(topic, id) {
      local.publish(topic, id);
      pub.publish(CHANNEL, `${nodeId}\n${topic}\n${id}`).catch(onError);
    },
    subscribe: local.subscribe,
    async close() {
      await local.close();
      pub.disconnect();
      sub.disconnect();
    },
  };
}
