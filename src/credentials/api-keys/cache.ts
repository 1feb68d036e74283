/**
 * A bounded map with per-entry expiry, oldest out first. Kept to the hot set: a huge Map costs
 * GC time on every request, while storage answers a miss in microseconds.
 *
 * @example
 * const cache = new BoundedCache<string>(10_000, 30_000);
 * cache.set('a', 'x', now);
 * cache.get('a', now + 1); // 'x'
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, now: number): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until: now + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry whose value satisfies `test`: a scan, for rare operations such as revocation. */
  deleteWhere(test: (value: V) => boolean): void {
    for (const [k, e] of this.entries) if (test(e.value)) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
