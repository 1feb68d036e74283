import { insertSession } from '../../credentials/session-repository.ts';
import { membershipsOfUser } from '../../identity/memberships.ts';
import { newId } from '../../lib/ids.ts';
import { keyedHash, randomToken } from '../../lib/secure.ts';
import type { OAuthContext } from '../context.ts';
import { deleteBrowserSession, findBrowserSession, insertBrowserSession } from '../records/browser-sessions.ts';
import type { OAuthBrowserSessionRow } from '../session-tables.ts';

/** The cookie of a browser signed in at the authorization server (only its keyed hash is stored). */
export const SESSION_COOKIE = 'gh_oauth_session';

const SHAPE = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (ctx: OAuthContext, handle: string) => keyedHash(ctx.secrets.pepper, `browser-session:${handle}`);

/** How long the cookie lives, in seconds: the Gatehouse session's absolute lifetime. */
export const sessionCookieMaxAge = (ctx: OAuthContext): number => ctx.config.refreshAbsoluteTtl;

/**
 * After a successful sign-in: a Gatehouse session (in the user's first organization, as a login
 * would make; revoking it, logging out everywhere, a password change or disabling the user ends
 * it) and the browser's handle to it. Undefined when the user belongs to no organization.
 *
 * @example
 * const handle = await startBrowserSession(ctx, userId, now, { ip, userAgent });
 */
export async function startBrowserSession(
  ctx: OAuthContext,
  userId: string,
  authTime: number,
  client: { ip: string; userAgent: string | null },
): Promise<string | undefined> {
  const [membership] = await membershipsOfUser(ctx.storage.db, userId);
  if (!membership) return undefined;
  const now = ctx.clock.now();
  const sessionId = newId('ses', now);
  const expiresAt = now + sessionCookieMaxAge(ctx) * 1000;
  await insertSession(ctx.storage.db, {
    id: sessionId,
    user_id: userId,
    organization_id: membership.organization_id,
    created_at: now,
    last_used_at: now,
    absolute_expires_at: expiresAt,
    revoked_at: null,
    revoked_reason: null,
    user_agent: client.userAgent?.slice(0, 256) ?? null,
    ip: client.ip,
  });
  const handle = randomToken(32);
  await insertBrowserSession(ctx.storage.db, {
    id_hash: hashOf(ctx, handle),
    session_id: sessionId,
    user_id: userId,
    auth_time: authTime,
    created_at: now,
    expires_at: expiresAt,
  });
  return handle;
}

/**
 * The browser session of a cookie value while it still counts: not expired, its Gatehouse session
 * not revoked (checked through the session service: cached, invalidated on every node), the user
 * not disabled. Undefined otherwise.
 */
export async function currentBrowserSession(ctx: OAuthContext, handle: string | undefined): Promise<OAuthBrowserSessionRow | undefined> {
  if (handle === undefined || !SHAPE.test(handle)) return undefined;
  const row = await findBrowserSession(ctx.storage.db, hashOf(ctx, handle));
  if (!row || row.expires_at <= ctx.clock.now()) return undefined;
  if (await ctx.sessions.isRevoked(row.session_id)) return undefined;
  const user = await ctx.storage.db.selectFrom('users').select('disabled_at').where('id', '=', row.user_id).executeTakeFirst();
  if (!user || user.disabled_at !== null) return undefined;
  return row;
}

/** Signs the browser out: forgets the handle and revokes its Gatehouse session. */
export async function endBrowserSession(ctx: OAuthContext, handle: string | undefined): Promise<OAuthBrowserSessionRow | undefined> {
  if (handle === undefined || !SHAPE.test(handle)) return undefined;
  const row = await deleteBrowserSession(ctx.storage.db, hashOf(ctx, handle));
  if (row) await ctx.sessions.revoke(row.session_id, 'logout', { actor: { type: 'user', id: row.user_id } });
  return row;
}
