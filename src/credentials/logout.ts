import type { CoreDeps } from '../deps.ts';
import { GatehouseError } from '../errors/index.ts';
import type { Principal } from '../pipeline/principal.ts';
import { findSession } from './session-repository.ts';
import type { RevokedBy, SessionService } from './session-types.ts';
import { isRefreshTokenShaped, sessionOfRefreshToken } from './sessions.ts';

export interface LogoutDeps extends Pick<CoreDeps, 'storage' | 'secrets'> {
  readonly sessions: SessionService;
}

/** What a logout did: the sessions it ended, and why it refuses, when it does (after ending them). */
export interface LogoutOutcome {
  readonly ended: readonly string[];
  readonly refusal?: GatehouseError;
}

/**
 * `POST /v1/auth/logout`, in order:
 * 1. the caller's own session (the one behind its access token) ends, whatever else was sent;
 * 2. a `refreshToken` that names another session of the same user ends that one too;
 * 3. a refresh token that is malformed, unknown or another user's is refused (ERR-3060, ERR-3061),
 *    after step 1, and touches nothing else;
 * 4. a caller with no session of its own that names none is refused (ERR-3062): never "done" while
 *    nothing ended.
 */
export async function logout(
  deps: LogoutDeps,
  principal: Principal,
  refreshToken: string | undefined,
  by: RevokedBy,
): Promise<LogoutOutcome> {
  const named = refreshToken === undefined ? undefined : await sessionNamedBy(deps, principal, refreshToken);
  const ended: string[] = [];
  for (const id of new Set([principal.sessionId, typeof named === 'string' ? named : undefined])) {
    if (id === undefined) continue;
    await deps.sessions.revoke(id, 'logout', by);
    ended.push(id);
  }
  if (named === 'malformed') return { ended, refusal: new GatehouseError('logout_refresh_token_malformed') };
  if (named === 'not_yours') return { ended, refusal: new GatehouseError('logout_refresh_token_not_yours') };
  if (ended.length === 0) return { ended, refusal: new GatehouseError('logout_without_session') };
  return { ended };
}

/** The session id a refresh token names, when it is one of the calling user's. */
async function sessionNamedBy(deps: LogoutDeps, principal: Principal, refreshToken: string): Promise<string | 'malformed' | 'not_yours'> {
  if (!isRefreshTokenShaped(refreshToken)) return 'malformed';
  const sessionId = await sessionOfRefreshToken(deps, refreshToken);
  const session = sessionId === undefined ? undefined : await findSession(deps.storage.db, sessionId);
  if (!session || principal.userId === undefined || session.user_id !== principal.userId) return 'not_yours';
  return session.id;
}
