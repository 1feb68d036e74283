import { findRefreshToken, findSession } from '../credentials/session-repository.ts';
import { keyedHash } from '../lib/secure.ts';
import type { Principal } from '../pipeline/principal.ts';
import type { Client } from './clients/client.ts';
import type { OAuthContext } from './context.ts';
import { OAUTH_REFRESH_SHAPE } from './issue.ts';
import { findGrant } from './records/grants.ts';
import { audienceList, unverifiedClaims } from './token-claims.ts';

const INACTIVE = Object.freeze({ active: false });

/** A refresh token of `client` that still works, as introspection shows it. */
async function refreshTokenInfo(ctx: OAuthContext, client: Client, token: string): Promise<Record<string, unknown>> {
  const row = await findRefreshToken(ctx.storage.db, keyedHash(ctx.secrets.pepper, token));
  if (!row || row.used_at !== null) return INACTIVE;
  const [grant, session] = await Promise.all([findGrant(ctx.storage.db, row.session_id), findSession(ctx.storage.db, row.session_id)]);
  const now = ctx.clock.now();
  if (!grant || grant.client_id !== client.id || !session || session.revoked_at !== null || session.absolute_expires_at <= now)
    return INACTIVE;
  if (session.last_used_at + ctx.config.refreshIdleTtl * 1000 <= now) return INACTIVE;
  return {
    active: true,
    token_type: 'refresh_token',
    client_id: client.id,
    scope: grant.scope,
    sub: session.user_id,
    iss: ctx.config.issuer,
    exp: Math.floor(Math.min(session.absolute_expires_at, session.last_used_at + ctx.config.refreshIdleTtl * 1000) / 1000),
  };
}

/**
 * RFC 7662: what a token is, for the client it was issued to. Anything invalid, expired, revoked
 * or issued to another client is exactly `{"active": false}`.
 */
export async function introspect(ctx: OAuthContext, client: Client, token: string): Promise<Record<string, unknown>> {
  if (OAUTH_REFRESH_SHAPE.test(token)) return refreshTokenInfo(ctx, client, token);
  const claims = unverifiedClaims(token);
  if (!claims || claims.client_id !== client.id) return INACTIVE;
  const aud = audienceList(claims);
  try {
    await ctx.tokens.verify(token, { ip: '', ...(aud[0] !== undefined ? { audience: aud[0] } : {}) });
  } catch {
    return INACTIVE;
  }
  const cnf = claims.cnf !== null && typeof claims.cnf === 'object' ? (claims.cnf as Record<string, unknown>) : undefined;
  return {
    active: true,
    // RFC 9449 §6.2 and RFC 8705 §3.2: a resource server learns the binding from `cnf`.
    token_type: typeof cnf?.jkt === 'string' ? 'DPoP' : 'Bearer',
    ...(cnf !== undefined ? { cnf } : {}),
    client_id: client.id,
    scope: claims.scope,
    sub: claims.sub,
    aud: aud.length === 1 ? aud[0] : aud,
    iss: claims.iss,
    exp: claims.exp,
    iat: claims.iat,
    jti: claims.jti,
    org_id: claims.org_id,
    ...(claims.act !== undefined ? { act: claims.act } : {}),
  };
}

/**
 * Revokes one access token by its `jti` until its `exp`: one with no grant of its own to end (client
 * credentials, token exchange). Audited with ids only.
 */
async function revokeSingleToken(ctx: OAuthContext, client: Client, principal: Principal): Promise<void> {
  const now = ctx.clock.now();
  await ctx.revokedTokens.revoke({
    jti: principal.credentialId,
    client_id: client.id,
    revoked_at: now,
    expires_at: principal.expiresAt ?? now + ctx.config.accessTokenTtl * 1000,
  });
  ctx.audit.record({
    action: 'oauth.token.revoked',
    outcome: 'success',
    organizationId: principal.organizationId,
    actor: { type: 'oauth_client', id: client.id },
    target: { type: 'access_token', id: principal.credentialId },
    details: { kind: principal.act !== undefined ? 'token_exchange' : 'client_credentials' },
  });
}

/**
 * RFC 7009: ends the grant behind a refresh token or a user-delegated access token of `client`;
 * a client-credentials or exchanged access token of `client` is revoked by itself (its `jti`), on every node.
 * Unknown, invalid or other clients' tokens: nothing.
 */
export async function revoke(ctx: OAuthContext, client: Client, token: string): Promise<void> {
  let sessionId: string | undefined;
  if (OAUTH_REFRESH_SHAPE.test(token)) {
    const row = await findRefreshToken(ctx.storage.db, keyedHash(ctx.secrets.pepper, token));
    const grant = row ? await findGrant(ctx.storage.db, row.session_id) : undefined;
    if (grant?.client_id === client.id) sessionId = grant.session_id;
  } else {
    const claims = unverifiedClaims(token);
    if (claims && claims.client_id === client.id) {
      const aud = audienceList(claims);
      try {
        const principal = await ctx.tokens.verify(token, { ip: '', ...(aud[0] !== undefined ? { audience: aud[0] } : {}) });
        // An exchanged token (RFC 8693, with `act`) shares the user's login session: revoking it ends
        // that token alone, never the session.
        if (principal.act !== undefined || (principal.kind === 'oauth_client' && principal.subject === client.id)) {
          await revokeSingleToken(ctx, client, principal);
        } else if (typeof claims.sid === 'string') sessionId = claims.sid;
      } catch {
        // Invalid or already revoked: nothing to do.
      }
    }
  }
  if (sessionId !== undefined) await ctx.sessions.revoke(sessionId, 'logout', { actor: { type: 'oauth_client', id: client.id } });
}
