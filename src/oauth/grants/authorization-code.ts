import { insertSession } from '../../credentials/session-repository.ts';
import { newId } from '../../lib/ids.ts';
import { keyedHash } from '../../lib/secure.ts';
import type { Confirmation } from '../../pipeline/index.ts';
import { verifierMatches } from '../checks/pkce.ts';
import type { Client } from '../clients/client.ts';
import type { OAuthContext, OAuthParams } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { effectiveScopes, issueUserTokens, type TokenBody } from '../issue.ts';
import { consumeCode, findCode, setCodeSession } from '../records/codes.ts';
import { insertGrant } from '../records/grants.ts';

export const grantType = 'authorization_code';
export const parameters = ['code', 'redirect_uri', 'code_verifier', 'resource'] as const;

const invalid = (why: string) => new OAuthError('invalid_grant', why);

/**
 * RFC 6749 §4.1.3 with PKCE (S256, required): the code is consumed once; a replayed code fails
 * and revokes what its first redemption issued (RFC 6749 §10.5). The grant becomes a login
 * session, so ending the user's sessions ends it too.
 */
export async function handler(
  ctx: OAuthContext,
  client: Client,
  params: OAuthParams,
  ip: string | null,
  cnf?: Confirmation,
): Promise<TokenBody> {
  const code = params.one('code');
  if (code === undefined || code === '' || code.length > 200) throw new OAuthError('invalid_request', 'code is required');
  const now = ctx.clock.now();
  const codeHash = keyedHash(ctx.secrets.pepper, code);
  const row = await consumeCode(ctx.storage.db, codeHash, now);
  if (!row) {
    const used = await findCode(ctx.storage.db, codeHash);
    if (used?.session_id && used.client_id === client.id) {
      await ctx.sessions.revoke(used.session_id, 'reuse_detected');
      ctx.audit.record({
        action: 'oauth.code.replayed',
        outcome: 'failure',
        organizationId: used.organization_id,
        actor: { type: 'oauth_client', id: client.id },
        target: { type: 'session', id: used.session_id },
      });
    }
    throw invalid('The authorization code is invalid, expired or already used');
  }
  if (row.client_id !== client.id) throw invalid('The authorization code was issued to another client');
  if (row.expires_at <= now) throw invalid('The authorization code has expired');
  if (params.one('redirect_uri') !== row.redirect_uri) throw invalid('redirect_uri does not match the authorization request');
  const verifier = params.one('code_verifier');
  if (verifier === undefined) throw invalid('code_verifier is required (PKCE)');
  if (!verifierMatches(verifier, row.code_challenge)) throw invalid('code_verifier does not match the code_challenge');
  const granted = JSON.parse(row.resource) as string[];
  const asked = params.all('resource');
  if (asked.some((r) => !granted.includes(r))) throw new OAuthError('invalid_target', 'The resource was not part of the authorization');
  const resources = asked.length > 0 ? asked : granted;
  const role = (await ctx.parties.standing(row.organization_id, row.user_id))?.role;
  if (role === undefined) throw invalid('The user can no longer use this organization');
  const sessionId = newId('ses', now);
  await insertSession(ctx.storage.db, {
    id: sessionId,
    user_id: row.user_id,
    organization_id: row.organization_id,
    created_at: now,
    last_used_at: now,
    absolute_expires_at: now + ctx.config.refreshAbsoluteTtl * 1000,
    revoked_at: null,
    revoked_reason: null,
    user_agent: null,
    ip,
  });
  const scopes = row.scope === '' ? [] : row.scope.split(' ');
  await insertGrant(ctx.storage.db, {
    session_id: sessionId,
    client_id: client.id,
    consent_id: row.consent_id,
    scope: row.scope,
    resource: row.resource,
    auth_time: row.auth_time,
    // A public client's refresh tokens are bound to its DPoP key (RFC 9449 §5): nothing else authenticates it.
    ...(client.authMethod === 'none' && cnf?.jkt !== undefined ? { dpop_jkt: cnf.jkt } : {}),
  });
  await setCodeSession(ctx.storage.db, codeHash, sessionId);
  ctx.audit.record({
    action: 'oauth.token.issued',
    outcome: 'success',
    organizationId: row.organization_id,
    actor: { type: 'user', id: row.user_id },
    target: { type: 'session', id: sessionId },
    details: { grant_type: grantType, client_id: client.id },
  });
  return issueUserTokens(
    ctx,
    {
      client,
      userId: row.user_id,
      organizationId: row.organization_id,
      role,
      scopes: effectiveScopes(ctx, role, scopes),
      resources,
      authTime: row.auth_time,
      nonce: row.nonce,
      sessionId,
      refresh: client.grantTypes.includes('refresh_token'),
      cnf,
    },
    now,
  );
}
