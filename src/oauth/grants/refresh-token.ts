import { hasScope } from '../../authorization/index.ts';
import { consumeRefreshToken, findRefreshToken, findSession, touchSession } from '../../credentials/session-repository.ts';
import { constantTimeEqual, keyedHash } from '../../lib/secure.ts';
import type { Confirmation } from '../../pipeline/index.ts';
import { OIDC_SCOPES, parseScope, permissionScopes } from '../checks/scope.ts';
import type { Client } from '../clients/client.ts';
import type { OAuthContext, OAuthParams } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { effectiveScopes, issueUserTokens, OAUTH_REFRESH_SHAPE, type TokenBody } from '../issue.ts';
import { findGrant } from '../records/grants.ts';

export const grantType = 'refresh_token';
export const parameters = ['refresh_token', 'scope', 'resource'] as const;

const invalid = (why = 'The refresh token is invalid, expired or revoked') => new OAuthError('invalid_grant', why);

/**
 * RFC 6749 §6 with rotation: each refresh token is used once; presenting a used one revokes the
 * whole family (the grant). `scope` and `resource` may only narrow what was granted.
 */
export async function handler(
  ctx: OAuthContext,
  client: Client,
  params: OAuthParams,
  _ip: string | null,
  cnf?: Confirmation,
): Promise<TokenBody> {
  const token = params.one('refresh_token');
  if (token === undefined) throw new OAuthError('invalid_request', 'refresh_token is required');
  if (!OAUTH_REFRESH_SHAPE.test(token)) throw invalid();
  const db = ctx.storage.db;
  const now = ctx.clock.now();
  const tokenHash = keyedHash(ctx.secrets.pepper, token);
  const known = await findRefreshToken(db, tokenHash);
  const grant = known ? await findGrant(db, known.session_id) : undefined;
  // Another client's token is unknown here, and is not consumed (it stays usable by its owner).
  if (!known || !grant || grant.client_id !== client.id) throw invalid();
  const granted = grant.scope === '' ? [] : grant.scope.split(' ');
  const asked = params.one('scope') === undefined ? granted : parseScope(params.one('scope'));
  const wider = asked.filter((s) => !granted.includes(s) && (OIDC_SCOPES.has(s) || !hasScope(permissionScopes(granted), s)));
  if (wider.length > 0) throw new OAuthError('invalid_scope', `Scope may only narrow: ${wider.join(' ').slice(0, 200)}`);
  const grantedResources = JSON.parse(grant.resource) as string[];
  const askedResources = params.all('resource');
  if (askedResources.some((r) => !grantedResources.includes(r)))
    throw new OAuthError('invalid_target', 'The resource was not part of the grant');
  // A DPoP-bound refresh token (public client) needs a proof of the same key; it is not consumed otherwise.
  if (grant.dpop_jkt !== null && grant.dpop_jkt !== undefined && (cnf?.jkt === undefined || !constantTimeEqual(cnf.jkt, grant.dpop_jkt)))
    throw new OAuthError('invalid_dpop_proof', 'The refresh token is bound to another DPoP key; send a proof of that key');
  if (!(await consumeRefreshToken(db, tokenHash, now))) {
    await ctx.sessions.revoke(known.session_id, 'reuse_detected');
    ctx.audit.record({
      action: 'auth.refresh.reuse_detected',
      outcome: 'failure',
      organizationId: null,
      actor: { type: 'oauth_client', id: client.id },
      target: { type: 'session', id: known.session_id },
    });
    throw invalid('The refresh token was already used; the grant is revoked');
  }
  const session = await findSession(db, known.session_id);
  if (
    !session ||
    session.revoked_at !== null ||
    session.absolute_expires_at <= now ||
    session.last_used_at + ctx.config.refreshIdleTtl * 1000 <= now
  ) {
    throw invalid();
  }
  const role = (await ctx.parties.standing(session.organization_id, session.user_id))?.role;
  if (role === undefined) {
    await ctx.sessions.revoke(session.id, 'membership_removed');
    throw invalid();
  }
  await touchSession(db, session.id, now);
  return issueUserTokens(
    ctx,
    {
      client,
      userId: session.user_id,
      organizationId: session.organization_id,
      role,
      scopes: effectiveScopes(ctx, role, asked),
      resources: askedResources.length > 0 ? askedResources : grantedResources,
      authTime: grant.auth_time,
      nonce: null,
      sessionId: session.id,
      refresh: true,
      cnf,
    },
    now,
  );
}
