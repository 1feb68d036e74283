import { insertSession } from '../../credentials/session-repository.ts';
import { newId } from '../../lib/ids.ts';
import type { Confirmation } from '../../pipeline/principal.ts';
import type { Client } from '../clients/client.ts';
import { DEVICE_CODE } from '../clients/metadata.ts';
import type { OAuthContext, OAuthParams } from '../context.ts';
import { deviceCodeHash } from '../device/authorization.ts';
import { OAuthError } from '../errors.ts';
import { effectiveScopes, issueUserTokens, type TokenBody } from '../issue.ts';
import { consumeDeviceCode, findDeviceCode, recordPoll, setDeviceCodeSession } from '../records/device-codes.ts';
import { insertGrant } from '../records/grants.ts';

export const grantType = DEVICE_CODE;
export const parameters = ['device_code'] as const;

const invalid = (why = 'The device code is invalid or was already used') => new OAuthError('invalid_grant', why);

/**
 * RFC 8628 §3.4–3.5: the device polls with its device code. In order: the code must be this
 * client's and unused; expired is `expired_token`; polling faster than the interval is
 * `slow_down` (the interval grows by 5 s); then `authorization_pending`, `access_denied`, or
 * tokens, once: a replayed code fails and revokes what its redemption issued.
 */
export async function handler(
  ctx: OAuthContext,
  client: Client,
  params: OAuthParams,
  ip: string | null,
  cnf?: Confirmation,
): Promise<TokenBody> {
  const code = params.one('device_code');
  if (code === undefined || code.length > 200) throw new OAuthError('invalid_request', 'device_code is required');
  const db = ctx.storage.db;
  const now = ctx.clock.now();
  const hash = deviceCodeHash(ctx, code);
  const row = await findDeviceCode(db, hash);
  // Another client's code is unknown here (and untouched).
  if (!row || row.client_id !== client.id) throw invalid();
  if (row.consumed_at !== null) {
    if (row.session_id !== null) {
      await ctx.sessions.revoke(row.session_id, 'reuse_detected');
      ctx.audit.record({
        action: 'oauth.device_code.replayed',
        outcome: 'failure',
        organizationId: row.organization_id,
        actor: { type: 'oauth_client', id: client.id },
        target: { type: 'session', id: row.session_id },
      });
    }
    throw invalid();
  }
  if (row.expires_at <= now) throw new OAuthError('expired_token', 'The device code has expired; start again');
  if (!(await recordPoll(db, row, now))) throw new OAuthError('slow_down', `Poll at most every ${row.poll_interval + 5} seconds`);
  if (row.status === 'pending') throw new OAuthError('authorization_pending', 'The user has not yet approved the request');
  if (row.status === 'denied') throw new OAuthError('access_denied', 'The user denied the request');
  const { user_id: userId, organization_id: organizationId } = row;
  if (userId === null || organizationId === null) throw invalid();
  if (!(await consumeDeviceCode(db, hash, now))) throw invalid();
  const role = (await ctx.parties.standing(organizationId, userId))?.role;
  if (role === undefined) throw invalid('The user can no longer use this organization');
  const sessionId = newId('ses', now);
  await insertSession(db, {
    id: sessionId,
    user_id: userId,
    organization_id: organizationId,
    created_at: now,
    last_used_at: now,
    absolute_expires_at: now + ctx.config.refreshAbsoluteTtl * 1000,
    revoked_at: null,
    revoked_reason: null,
    user_agent: null,
    ip,
  });
  const authTime = row.auth_time ?? now;
  await insertGrant(db, {
    session_id: sessionId,
    client_id: client.id,
    consent_id: null,
    scope: row.scope,
    resource: row.resource,
    auth_time: authTime,
    // A public client's refresh tokens are bound to its DPoP key (RFC 9449 §5), as in the code flow.
    ...(client.authMethod === 'none' && cnf?.jkt !== undefined ? { dpop_jkt: cnf.jkt } : {}),
  });
  await setDeviceCodeSession(db, hash, sessionId);
  ctx.audit.record({
    action: 'oauth.token.issued',
    outcome: 'success',
    organizationId,
    actor: { type: 'user', id: userId },
    target: { type: 'session', id: sessionId },
    details: { grant_type: grantType, client_id: client.id },
  });
  return issueUserTokens(
    ctx,
    {
      client,
      userId,
      organizationId,
      role,
      scopes: effectiveScopes(ctx, role, row.scope === '' ? [] : row.scope.split(' ')),
      resources: JSON.parse(row.resource) as string[],
      authTime,
      nonce: null,
      sessionId,
      refresh: client.grantTypes.includes('refresh_token'),
      cnf,
    },
    now,
  );
}
