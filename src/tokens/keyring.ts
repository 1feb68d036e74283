import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { Clock } from '../lib/clock.ts';
import type { Db } from '../storage/index.ts';
import { keyObjects, openWithAny } from './key-material.ts';
import { listUsableKeys } from './repository.ts';
import type { SigningKeyRow } from './tables.ts';

/** A usable key, decrypted once and kept in memory. */
export interface LoadedKey {
  readonly kid: string;
  readonly alg: string;
  readonly status: 'active' | 'retired';
  readonly expiresAt: number | null;
  readonly publicJwk: JWK | null;
  readonly signing: KeyObject;
  readonly verifying: KeyObject;
}

/** Re-read storage at most this often when a token names an unknown kid. */
const MISS_RELOAD_MS = 5_000;
/** And at least this often, so rotations by the CLI or another node are seen without a restart. */
const MAX_AGE_MS = 10_000;

/**
 * The signing keys in memory: decrypted once, reloaded from storage periodically, on an unknown
 * `kid` (rate-limited) and when told (rotation on this node or, through the bus, on another).
 */
export class Keyring {
  private keys = new Map<string, LoadedKey>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    /** The current key-encryption key first, then earlier ones (a master-key rotation). */
    private readonly keks: readonly Buffer[],
    private readonly clock: Clock,
  ) {}

  private load(row: SigningKeyRow): LoadedKey {
    const cached = this.keys.get(row.kid);
    const objects = cached ?? keyObjects(row.alg, openWithAny(this.keks, row.kid, row.private_key_enc));
    return {
      kid: row.kid,
      alg: row.alg,
      status: row.status === 'active' ? 'active' : 'retired',
      expiresAt: row.expires_at,
      publicJwk: row.public_jwk === null ? null : (JSON.parse(row.public_jwk) as JWK),
      signing: objects.signing,
      verifying: objects.verifying,
    };
  }

  /** Reloads from storage (single-flight). */
  reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const rows = await listUsableKeys(this.db, this.clock.now());
        this.keys = new Map(rows.map((r) => [r.kid, this.load(r)]));
        this.loadedAt = this.clock.now();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private async fresh(): Promise<void> {
    if (this.clock.now() - this.loadedAt > MAX_AGE_MS) await this.reload();
  }

  async active(): Promise<LoadedKey | undefined> {
    await this.fresh();
    for (const k of this.keys.values()) if (k.status === 'active') return k;
    return undefined;
  }

  /** The key for a kid if it may still verify at `now`; reloads once on a miss (rate-limited). */
  async forKid(kid: string): Promise<LoadedKey | undefined> {
    await this.fresh();
    let key = this.keys.get(kid);
    if (!key && this.clock.now() - this.loadedAt > MISS_RELOAD_MS) {
      await this.reload();
      key = this.keys.get(kid);
    }
    if (key && key.status === 'retired' && (key.expiresAt ?? 0) <= this.clock.now()) return undefined;
    return key;
  }

  /** Every key that may verify now. */
  async usable(): Promise<LoadedKey[]> {
    await this.fresh();
    const now = this.clock.now();
    return [...this.keys.values()].filter((k) => k.status === 'active' || (k.expiresAt ?? 0) > now);
  }
}
