import type { Storage } from '../../storage/index.ts';
import { recordUsage } from './repository.ts';

interface Pending {
  count: number;
  last: number;
}

/**
 * Usage counts and last-use times, gathered in memory and written in one transaction every
 * `intervalMs` and on close — never one write per request. A failed write keeps the counts for
 * the next flush.
 *
 * @example
 * const usage = new UsageBatcher(storage, 5_000);
 * usage.record('key_…', Date.now());
 * await usage.close(); // writes what is pending
 */
export class UsageBatcher {
  private pending = new Map<string, Pending>();
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    intervalMs = 5_000,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  record(id: string, at: number): void {
    const p = this.pending.get(id);
    if (p) {
      p.count++;
      if (at > p.last) p.last = at;
    } else this.pending.set(id, { count: 1, last: at });
  }

  /** Writes everything pending; flushes never overlap. */
  flush(): Promise<void> {
    this.running = this.running.then(() => this.write());
    return this.running;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.storage.transaction(async (trx) => {
        for (const [id, { count, last }] of batch) await recordUsage(trx, id, count, last);
      });
    } catch (err) {
      for (const [id, p] of batch) {
        const now = this.pending.get(id);
        if (now) {
          now.count += p.count;
          if (p.last > now.last) now.last = p.last;
        } else this.pending.set(id, p);
      }
      this.onError(err);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
