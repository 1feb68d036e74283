import { createHash } from 'node:crypto';
import { hasScope, scopesForRole } from '../authorization/index.ts';
import { insertRefreshToken } from '../credentials/session-repository.ts';
import type { Role } from '../identity/tables.ts';
import { keyedHash, randomToken } from '../lib/secure.ts';
import type { Confirmation } from '../pipeline/index.ts';
import { OIDC_SCOPES, permissionScopes } from './checks/scope.ts';
import type { Client } from './clients/client.ts';
import type { OAuthContext } from './context.ts';

/** OAuth refresh tokens: a prefix of their own, so they never pass for first-party ones. */
export const OAUTH_REFRESH_PREFIX = 'ghor_';
export const OAUTH_REFRESH_SHAPE = /^ghor_[A-Za-z0-9_-]{43}$/;

/** RFC 6749 §5.1 successful token response. */
export interface TokenBody {
  access_token: string;
  /** `DPoP` for a DPoP-bound token (RFC 9449 §5); certificate-bound tokens stay `Bearer` (RFC 8705). */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

export interface UserGrant {
  readonly client: Client;
  readonly userId: string;
  readonly organizationId: string;
  readonly role: Role;
  /** Granted scopes, OIDC ones included. */
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  /** Epoch ms of the sign-in. */
  readonly authTime: number;
  readonly nonce: string | null;
  readonly sessionId: string;
  readonly refresh: boolean;
  /** The DPoP key or client certificate the access token is bound to (RFC 7800 `cnf`). */
  readonly cnf?: Confirmation | undefined;
}

/** The granted scopes the user's role allows now (a scope only ever narrows). */
export function effectiveScopes(ctx: OAuthContext, role: Role, granted: readonly string[]): string[] {
  const held = scopesForRole(role, ctx.config.roleScopes);
  return granted.filter((s) => OIDC_SCOPES.has(s) || hasScope(held, s));
}

function atHash(token: string, alg: string): string {
  const digest = createHash(alg === 'EdDSA' || alg.endsWith('512') ? 'sha512' : alg.endsWith('384') ? 'sha384' : 'sha256')
    .update(token)
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

const expiresIn = (ctx: OAuthContext, expiresAt: number, now: number) =>
  Math.max(0, Math.min(ctx.config.accessTokenTtl, Math.ceil((expiresAt - now) / 1000)));

/** Claims about the user an ID token or userinfo carries for the granted scopes. */
export async function userClaims(ctx: OAuthContext, userId: string, scopes: readonly string[]): Promise<Record<string, unknown>> {
  const user = await ctx.storage.db
    .selectFrom('users')
    .select(['email', 'username', 'display_name'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) return {};
  return {
    ...(scopes.includes('email') ? { email: user.email } : {}),
    ...(scopes.includes('profile')
      ? { name: user.display_name, ...(user.username !== null ? { preferred_username: user.username } : {}) }
      : {}),
  };
}

/** Access token (RFC 9068, `aud` the resources or Gatehouse), refresh token, and an ID token for `openid`. */
export async function issueUserTokens(ctx: OAuthContext, g: UserGrant, now: number): Promise<TokenBody> {
  const access = await ctx.tokens.issueAccessToken({
    subject: g.userId,
    organizationId: g.organizationId,
    role: g.role,
    scopes: g.scopes,
    sessionId: g.sessionId,
    clientId: g.client.id,
    authTime: Math.floor(g.authTime / 1000),
    ...(g.resources.length > 0 ? { audience: g.resources } : {}),
    ...(g.cnf !== undefined ? { confirmation: g.cnf } : {}),
  });
  const body: TokenBody = {
    access_token: access.token,
    token_type: g.cnf?.jkt !== undefined ? 'DPoP' : 'Bearer',
    expires_in: expiresIn(ctx, access.expiresAt, now),
    scope: g.scopes.join(' '),
  };
  if (g.refresh) {
    const refresh = `${OAUTH_REFRESH_PREFIX}${randomToken(32)}`;
    await insertRefreshToken(ctx.storage.db, keyedHash(ctx.secrets.pepper, refresh), g.sessionId, now);
    body.refresh_token = refresh;
  }
  if (g.scopes.includes('openid')) {
    const claims = await userClaims(ctx, g.userId, g.scopes);
    // The ID token is signed with the same active key as the access token: its header names the alg.
    const { alg } = JSON.parse(Buffer.from(access.token.slice(0, access.token.indexOf('.')), 'base64url').toString('utf8')) as {
      alg: string;
    };
    const id = await ctx.tokens.signJwt({
      typ: 'JWT',
      subject: g.userId,
      audience: g.client.id,
      ttlSeconds: ctx.config.accessTokenTtl,
      claims: {
        ...claims,
        azp: g.client.id,
        auth_time: Math.floor(g.authTime / 1000),
        at_hash: atHash(access.token, alg),
        sid: g.sessionId,
        ...(g.nonce !== null ? { nonce: g.nonce } : {}),
      },
    });
    body.id_token = id.token;
  }
  return body;
}

/** A client-credentials access token: `sub` is the client, in the client's organization. */
export async function issueClientToken(
  ctx: OAuthContext,
  client: Client,
  organizationId: string,
  scopes: readonly string[],
  resources: readonly string[],
  now: number,
  cnf?: Confirmation,
): Promise<TokenBody> {
  const access = await ctx.tokens.issueAccessToken({
    subject: client.id,
    organizationId,
    role: null,
    scopes: permissionScopes(scopes),
    clientId: client.id,
    ...(resources.length > 0 ? { audience: resources } : {}),
    ...(cnf !== undefined ? { confirmation: cnf } : {}),
  });
  return {
    access_token: access.token,
    token_type: cnf?.jkt !== undefined ? 'DPoP' : 'Bearer',
    expires_in: expiresIn(ctx, access.expiresAt, now),
    scope: permissionScopes(scopes).join(' '),
  };
}
