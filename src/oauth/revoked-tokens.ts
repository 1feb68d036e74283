import { revocationState } from '../cluster/revocation-state.ts';
import type { CoreDeps } from '../deps.ts';
import type { OAuthRevokedTokenRow } from './session-tables.ts';

/** Access tokens without a grant behind them (client credentials), revoked one by one (RFC 7009). */
export interface RevokedTokens {
  /** Records the revocation and tells every process (bus + change feed). Idempotent. */
  revoke(row: OAuthRevokedTokenRow): Promise<void>;
  /** True when the token of this `jti` was revoked (cached; a revocation anywhere reaches the cache through the bus). */
  isRevoked(jti: string): Promise<boolean>;
}

/**
 * The revoked-token list: a row per revoked `jti` until the token expires (the sweep deletes it
 * then), an `access_token` invalidation per revocation, lookups cached like sessions and clients
 * (`revocationState`).
 *
 * @example
 * const revoked = createRevokedTokens(core);
 * if (await revoked.isRevoked(principal.credentialId)) refuse();
 */
export function createRevokedTokens(deps: Pick<CoreDeps, 'storage' | 'clock' | 'config' | 'bus'>): RevokedTokens {
  const { storage, bus } = deps;
  const db = storage.db;
  const revocations = revocationState(
    deps,
    'access_token',
    async (jti) => (await db.selectFrom('oauth_revoked_tokens').select('jti').where('jti', '=', jti).executeTakeFirst()) !== undefined,
  );

  return {
    async revoke(row) {
      await db
        .insertInto('oauth_revoked_tokens')
        .values(row)
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
      bus.publish('access_token', row.jti);
    },

    isRevoked: (jti) => revocations.isRevoked(jti),
  };
}
