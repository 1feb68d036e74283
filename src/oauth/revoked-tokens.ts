import { EVERY_ENTRY } from '../cluster/invalidation.ts';
import type { CoreDeps } from '../deps.ts';
import type { OAuthRevokedTokenRow } from './session-tables.ts';

/** Access tokens without a grant behind them (client credentials), revoked one by one (RFC 7009). */
export interface RevokedTokens {
  /** Records the revocation and tells every process (bus + change feed). Idempotent. */
  revoke(row: OAuthRevokedTokenRow): Promise<void>;
  /** True when the token of this `jti` was revoked (cached; a revocation anywhere reaches the cache through the bus). */
  isRevoked(jti: string): Promise<boolean>;
}

const MAX_ENTRIES = 50_000;

/**
 * The revoked-token list: a row per revoked `jti` until the token expires (the sweep deletes it
 * then), an `access_token` invalidation per revocation. Lookups are cached like the session and
 * client states: 30 s when invalidations are pushed (Redis, or one SQLite node), 1 s otherwise.
 *
 * @example
 * const revoked = createRevokedTokens(core);
 * if (await revoked.isRevoked(principal.credentialId)) refuse();
 */
export function createRevokedTokens(deps: Pick<CoreDeps, 'storage' | 'clock' | 'config' | 'bus'>): RevokedTokens {
  const { storage, clock, config, bus } = deps;
  const db = storage.db;
  const stateTtlMs = config.redisUrl !== undefined || storage.dialect === 'sqlite' ? 30_000 : 1_000;
  const state = new Map<string, { revoked: boolean; at: number }>();
  bus.subscribe('access_token', (jti) => {
    if (jti === EVERY_ENTRY) state.clear();
    else state.set(jti, { revoked: true, at: clock.now() });
  });

  return {
    async revoke(row) {
      await db
        .insertInto('oauth_revoked_tokens')
        .values(row)
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
      bus.publish('access_token', row.jti);
    },

    async isRevoked(jti) {
      const now = clock.now();
      const cached = state.get(jti);
      if (cached && (cached.revoked || now - cached.at < stateTtlMs)) return cached.revoked;
      const row = await db.selectFrom('oauth_revoked_tokens').select('jti').where('jti', '=', jti).executeTakeFirst();
      // A revocation that arrived while storage answered wins.
      if (state.get(jti)?.revoked) return true;
      if (state.size >= MAX_ENTRIES) state.clear();
      state.set(jti, { revoked: row !== undefined, at: now });
      return row !== undefined;
    },
  };
}
