import { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.ts';

/** Redis commands fail fast instead of queueing while the connection is down. */
const OPTIONS = { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500, lazyConnect: false } as const;

/**
 * A Redis connection for the limiters that reports an outage once and its end once. While it is
 * down, commands reject at once and callers fall back (or fail closed); ioredis reconnects by itself.
 */
export class LimitsRedis {
  readonly client: Redis;
  private down = false;

  constructor(
    url: string,
    private readonly log: Logger,
  ) {
    this.client = new Redis(url, OPTIONS);
    this.client.on('error', (err: Error) => this.failed(err));
  }

  /** Call when a command failed: logs the first failure of an outage. */
  failed(err: unknown): void {
    if (this.down) return;
    this.down = true;
    this.log.warn(
      { err: { message: err instanceof Error ? err.message : String(err) } },
      'rate limits: Redis unavailable; falling back per layer',
    );
  }

  /** Call when a command succeeded: logs the end of an outage. */
  ok(): void {
    if (!this.down) return;
    this.down = false;
    this.log.info('rate limits: Redis is back; limits are shared again');
  }

  /** Resolves once connected, or after `ms` (then the limiters start on their fallback). */
  async waitReady(ms = 2000): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      this.client.once('ready', done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  close(): void {
    this.client.disconnect();
  }
}
