import { scopesForRole } from '../authorization/index.ts';
import { revocationState } from '../cluster/revocation-state.ts';
import type { CoreDeps } from '../deps.ts';
import { GatehouseError } from '../errors/index.ts';
import { findMembership } from '../identity/memberships.ts';
import type { Role } from '../identity/tables.ts';
import { newId } from '../lib/ids.ts';
import { keyedHash, randomToken } from '../lib/secure.ts';
import type { TokenService } from '../tokens/types.ts';
import {
  consumeRefreshToken,
  findRefreshToken,
  findSession,
  insertRefreshToken,
  insertSession,
  isJustRotated,
  linkSuccessor,
  revokeSessions,
  touchSession,
} from './session-repository.ts';
import type { RevokedBy, RevokeReason, SessionService, StartSessionInput, TokenResponse } from './session-types.ts';

export interface SessionServiceDeps extends CoreDeps {
  readonly tokens: TokenService;
}

/** Refresh tokens carry a recognisable prefix (secret scanners) and 256 random bits. */
const REFRESH_PREFIX = 'ghr_';
const REFRESH_SHAPE = /^ghr_[A-Za-z0-9_-]{43}$/;

/**
 * Login sessions: each is a family of refresh tokens rotated on every use (consume-once, so of
 * concurrent refreshes exactly one wins). Presenting a used token revokes the whole family and,
 * through `isRevoked`, every access token issued from it — except the concurrent losers: the
 * token just rotated, again within `refreshReuseLeeway` while its successor is unused, answers
 * `refresh_token_rotated` (409) and revokes nothing.
 */
export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { storage, clock, config, secrets, tokens, bus, audit } = deps;
  const db = storage.db;
  const revocations = revocationState(deps, 'session', async (sessionId, now) => {
    const session = await findSession(db, sessionId);
    return !session || session.revoked_at !== null || session.absolute_expires_at <= now;
  });

  const hash = (token: string) => keyedHash(secrets.pepper, token);

  async function grant(
    userId: string,
    organizationId: string,
    role: Role,
    sessionId: string,
    now: number,
    rotatedFrom?: string,
  ): Promise<TokenResponse> {
    const refresh = `${REFRESH_PREFIX}${randomToken(32)}`;
    await insertRefreshToken(db, hash(refresh), sessionId, now);
    if (rotatedFrom !== undefined) await linkSuccessor(db, rotatedFrom, hash(refresh));
    const scopes = scopesForRole(role, config.roleScopes);
    const access = await tokens.issueAccessToken({ subject: userId, organizationId, role, scopes, sessionId, clientId: 'gatehouse' });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      // `exp` is whole seconds: round up so a 900 s token says 900, not 899.
      expires_in: Math.max(0, Math.min(config.accessTokenTtl, Math.ceil((access.expiresAt - now) / 1000))),
      expires_at: new Date(access.expiresAt).toISOString(),
      refresh_token: refresh,
      scope: scopes.join(' '),
    };
  }

  /** Revokes matching sessions, stops their access tokens on every node, and audits each one. */
  async function revokeWhere(where: Parameters<typeof revokeSessions>[1], reason: RevokeReason, by?: RevokedBy): Promise<number> {
    const revoked = await revokeSessions(db, where, reason, clock.now());
    for (const s of revoked) {
      bus.publish('session', s.id);
      audit.record({
        action: 'token.revoked',
        outcome: 'success',
        organizationId: s.organization_id,
        actor: by?.actor ?? { type: 'system', id: null },
        target: { type: 'session', id: s.id },
        ip: by?.ip ?? null,
        requestId: by?.requestId ?? null,
        details: { reason, kind: 'refresh_token_family', user_id: s.user_id },
      });
    }
    return revoked.length;
  }

  async function revoke(sessionId: string, reason: RevokeReason, by?: RevokedBy): Promise<void> {
    await revokeWhere({ id: sessionId }, reason, by);
  }

  return {
    async start(input: StartSessionInput) {
      const now = clock.now();
      const id = newId('ses', now);
      await insertSession(db, {
        id,
        user_id: input.userId,
        organization_id: input.organizationId,
        created_at: now,
        last_used_at: now,
        absolute_expires_at: now + config.refreshAbsoluteTtl * 1000,
        revoked_at: null,
        revoked_reason: null,
        user_agent: input.userAgent?.slice(0, 256) ?? null,
        ip: input.ip ?? null,
      });
      return { ...(await grant(input.userId, input.organizationId, input.role, id, now)), session_id: id };
    },

    async refresh(refreshToken, ctx) {
      const now = clock.now();
      if (!REFRESH_SHAPE.test(refreshToken)) throw new GatehouseError('invalid_refresh_token');
      const tokenHash = hash(refreshToken);
      const consumed = await consumeRefreshToken(db, tokenHash, now);
      if (!consumed) {
        const known = await findRefreshToken(db, tokenHash);
        if (!known) throw new GatehouseError('invalid_refresh_token');
        const session = await findSession(db, known.session_id);
        // A duplicate of the token just rotated (a concurrent client) is refused and revokes nothing; reuse ends the session.
        const duplicate = await isJustRotated(db, known, now, config.refreshReuseLeeway * 1000);
        if (!duplicate) await revoke(known.session_id, 'reuse_detected');
        audit.record({
          action: duplicate ? 'auth.refresh.duplicate' : 'auth.refresh.reuse_detected',
          outcome: 'failure',
          organizationId: session?.organization_id ?? null,
          actor: { type: 'user', id: session?.user_id ?? null },
          target: { type: 'session', id: known.session_id },
          ip: ctx.ip ?? null,
          userAgent: ctx.userAgent ?? null,
        });
        throw new GatehouseError(duplicate ? 'refresh_token_rotated' : 'refresh_token_reused');
      }
      const session = await findSession(db, consumed.session_id);
      if (
        !session ||
        session.revoked_at !== null ||
        session.absolute_expires_at <= now ||
        session.last_used_at + config.refreshIdleTtl * 1000 <= now
      ) {
        throw new GatehouseError('invalid_refresh_token', 'The session has ended; log in again');
      }
      const [membership, user] = await Promise.all([
        findMembership(db, session.organization_id, session.user_id),
        db.selectFrom('users').select('disabled_at').where('id', '=', session.user_id).executeTakeFirst(),
      ]);
      if (!membership || !user || user.disabled_at !== null) {
        await revoke(session.id, membership ? 'user_disabled' : 'membership_removed');
        throw new GatehouseError('invalid_refresh_token', 'The session has ended; log in again');
      }
      await touchSession(db, session.id, now);
      audit.record({
        action: 'auth.refresh',
        outcome: 'success',
        organizationId: session.organization_id,
        actor: { type: 'user', id: session.user_id },
        target: { type: 'session', id: session.id },
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent ?? null,
      });
      return grant(session.user_id, session.organization_id, membership.role, session.id, now, tokenHash);
    },

    revoke,

    revokeAllForUser(userId, reason, opts = {}) {
      const { except, organizationId, by } = opts;
      return revokeWhere(
        { userId, ...(except !== undefined ? { except } : {}), ...(organizationId !== undefined ? { organizationId } : {}) },
        reason,
        by,
      );
    },

    revokeAllInOrganization(organizationId, reason, by) {
      return revokeWhere({ organizationId }, reason, by);
    },

    isRevoked: (sessionId) => revocations.isRevoked(sessionId),
  };
}

/** True when `value` has the shape of a refresh token (`ghr_` and 43 base64url characters); says nothing of it being known. */
export function isRefreshTokenShaped(value: string): boolean {
  return REFRESH_SHAPE.test(value);
}

/** Finds the session a refresh token belongs to (logout by refresh token). */
export async function sessionOfRefreshToken(
  deps: Pick<CoreDeps, 'storage' | 'secrets'>,
  refreshToken: string,
): Promise<string | undefined> {
  if (!REFRESH_SHAPE.test(refreshToken)) return undefined;
  return (await findRefreshToken(deps.storage.db, keyedHash(deps.secrets.pepper, refreshToken)))?.session_id;
}
