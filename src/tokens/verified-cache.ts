import { createHash } from 'node:crypto';
import type { Principal } from '../pipeline/principal.ts';

interface Entry {
  readonly principal: Principal;
  /** Epoch ms when the token expires: the entry is never used past it. */
  readonly expiresAt: number;
}

/**
 * Tokens verified once are not verified again until they expire: a bounded map from a SHA-256 of
 * the token (never the token itself) to its Principal. Oldest entries go first when full.
 * Revocation is still checked on every hit by the caller.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 10_000) {}

  static keyOf(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  get(key: string, now: number): Principal | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.principal;
  }

  set(key: string, principal: Principal, expiresAt: number): void {
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { principal, expiresAt });
  }

  /** Drops every entry (signing keys changed). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
