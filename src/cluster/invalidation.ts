import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.ts';

/**
 * What can be invalidated, each with the id its messages carry:
 * - `api_key` (`key_…`): revoked, rotated or changed;
 * - `session` (`ses_…`): revoked (logout, disable, removal, reuse, organization deletion);
 * - `signing_keys` (the new `kid`): rotated;
 * - `user` (`usr_…`): disabled, enabled or deleted;
 * - `membership` (`${organizationId}:${userId}`): role changed or membership removed;
 * - `organization` (`org_…`): deleted;
 * - `oauth_client` (`cli_…`): deleted;
 * - `access_token` (the token's `jti`): a client-credentials access token revoked (RFC 7009).
 */
export const INVALIDATION_TOPICS = [
  'api_key',
  'session',
  'signing_keys',
  'user',
  'membership',
  'organization',
  'oauth_client',
  'access_token',
] as const;

export type InvalidationTopic = (typeof INVALIDATION_TOPICS)[number];

/**
 * The id a subscriber receives when it must drop every entry of its topic: this process may have
 * missed messages (it stalled for longer than the change feed keeps them).
 */
export const EVERY_ENTRY = '*';

export function isInvalidationTopic(value: string): value is InvalidationTopic {
  return (INVALIDATION_TOPICS as readonly string[]).includes(value);
}

/**
 * Cache invalidation across processes. Whoever ends access publishes it; every process (this one
 * synchronously, the others through the change feed in the database and, when `redisUrl` is set,
 * Redis pub/sub) drops the cached entries. Handlers must accept {@link EVERY_ENTRY}.
 */
export interface InvalidationBus {
  publish(topic: InvalidationTopic, id: string): void;
  subscribe(topic: InvalidationTopic, handler: (id: string) => void): void;
  /** Stops receiving, and waits until every message published here has been handed on. */
  close(): Promise<void>;
}

/** Carries this process's messages to other processes; hands theirs to `deliver`. */
export interface Transport {
  send(topic: InvalidationTopic, id: string): void;
  close(): Promise<void>;
}

/** Delivers a message to this process's subscribers only. */
export type Deliver = (topic: InvalidationTopic, id: string) => void;

/** One process: handlers run synchronously on publish. */
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
 * A bus whose messages run `local`'s handlers at once and go out through every transport; the
 * transports hand what they receive to `local.publish`, which runs this process's handlers only.
 *
 * @example
 * const local = createLocalBus();
 * const bus = composeBus(local, [redisTransport(url, log, local.publish)]);
 */
export function composeBus(local: InvalidationBus, transports: readonly Transport[]): InvalidationBus {
  return {
    publish(topic, id) {
      local.publish(topic, id);
      for (const t of transports) t.send(topic, id);
    },
    subscribe: local.subscribe,
    async close() {
      for (const t of transports) await t.close();
      await local.close();
    },
  };
}

/**
 * Redis pub/sub: the fast path between nodes (milliseconds). Fire and forget: while Redis is down,
 * the change feed still carries every message. `channel` is `${redisKeyPrefix}invalidate`, so
 * deployments (and test runs) sharing one Redis never hear each other.
 */
export function redisTransport(url: string, log: Logger, deliver: Deliver, channel = 'gatehouse:invalidate'): Transport {
  const nodeId = `${process.pid}:${Math.random().toString(36).slice(2)}`;
  const opts = { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false };
  const pub = new Redis(url, opts);
  const sub = new Redis(url, { ...opts, enableOfflineQueue: true });
  let warned = false;
  const onError = (err: Error) => {
    if (!warned) log.warn({ err: { message: err.message } }, 'invalidation bus: Redis unavailable; the change feed carries invalidations');
    warned = true;
  };
  pub.on('error', onError);
  sub.on('error', onError);
  sub.on('ready', () => {
    warned = false;
  });
  sub.subscribe(channel).catch(onError);
  sub.on('message', (_channel: string, message: string) => {
    const [from, topic, id] = message.split('\n');
    if (from === nodeId || topic === undefined || id === undefined || !isInvalidationTopic(topic)) return;
    deliver(topic, id);
  });
  return {
    send(topic, id) {
      pub.publish(channel, `${nodeId}\n${topic}\n${id}`).catch(onError);
    },
    async close() {
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/** Many nodes over Redis pub/sub only (no change feed). */
export function createRedisBus(url: string, log: Logger, channel?: string): InvalidationBus {
  const local = createLocalBus();
  return composeBus(local, [redisTransport(url, log, local.publish, channel)]);
}
