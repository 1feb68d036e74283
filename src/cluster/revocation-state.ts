import type { CoreDeps } from '../deps.ts';
import { EVERY_ENTRY, type InvalidationTopic } from './invalidation.ts';

const MAX_ENTRIES = 50_000;

/** "Is this one revoked?" for ids of one invalidation topic, answered from memory when it can be. */
export interface RevocationState {
  isRevoked(id: string): Promise<boolean>;
}

/**
 * The cached revocation state of sessions, OAuth clients and single access tokens: one shape for
 * all three. `lookup` asks storage; its answer is kept 30 s when invalidations are pushed (Redis,
 * or one SQLite node) and 1 s otherwise. A revocation on the bus marks the id revoked at once,
 * `EVERY_ENTRY` drops everything, and a revocation that arrives while storage is answering wins:
 * a revoked id never comes back.
 *
 * @example
 * const sessions = revocationState(deps, 'session', async (id) => (await findSession(db, id))?.revoked_at != null);
 */
export function revocationState(
  deps: Pick<CoreDeps, 'storage' | 'clock' | 'config' | 'bus'>,
  topic: InvalidationTopic,
  lookup: (id: string, now: number) => Promise<boolean>,
): RevocationState {
  const { storage, clock, config, bus } = deps;
  const ttlMs = config.redisUrl !== undefined || storage.dialect === 'sqlite' ? 30_000 : 1_000;
  const state = new Map<string, { revoked: boolean; at: number }>();
  bus.subscribe(topic, (id) => {
    if (id === EVERY_ENTRY) state.clear();
    else state.set(id, { revoked: true, at: clock.now() });
  });
  return {
    async isRevoked(id) {
      const now = clock.now();
      const cached = state.get(id);
      if (cached && (cached.revoked || now - cached.at < ttlMs)) return cached.revoked;
      const revoked = await lookup(id, now);
      if (state.get(id)?.revoked) return true;
      if (state.size >= MAX_ENTRIES) state.clear();
      state.set(id, { revoked, at: now });
      return revoked;
    },
  };
}
