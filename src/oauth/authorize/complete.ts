import { newId } from '../../lib/ids.ts';
import { keyedHash, randomToken } from '../../lib/secure.ts';
import { canonicalScope } from '../checks/scope.ts';
import type { OAuthContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { insertCode } from '../records/codes.ts';
import { findConsent, insertConsent } from '../records/consents.ts';
import { findResourceByIdentifier } from '../records/resources.ts';
import type { Interaction } from './interaction.ts';
import { RedirectError, redirectWith } from './request.ts';

/** A remembered consent for exactly this client, organization and scope set, if any. */
export async function rememberedConsent(
  ctx: OAuthContext,
  userId: string,
  clientId: string,
  organizationId: string,
  scopes: readonly string[],
) {
  return findConsent(ctx.storage.db, userId, clientId, organizationId, canonicalScope(scopes));
}

/**
 * Issues the authorization code for a signed-in, consenting user and answers the client's
 * redirect URL (`code`, `state`, `iss`). Resources must belong to the chosen organization.
 */
export async function issueCode(
  ctx: OAuthContext,
  interaction: Interaction,
  userId: string,
  organizationId: string,
  remember: boolean,
): Promise<string> {
  const { request } = interaction;
  for (const r of request.resources) {
    const row = await findResourceByIdentifier(ctx.storage.db, [r]);
    if (!row || row.organization_id !== organizationId) {
      throw new RedirectError(
        request.redirectUri,
        new OAuthError('invalid_target', 'The resource does not belong to the chosen organization'),
        request.state,
      );
    }
  }
  const now = ctx.clock.now();
  let consent = await rememberedConsent(ctx, userId, request.clientId, organizationId, request.scopes);
  if (!consent && remember) {
    consent = {
      id: newId('cns', now),
      user_id: userId,
      client_id: request.clientId,
      organization_id: organizationId,
      scope: canonicalScope(request.scopes),
      created_at: now,
    };
    await insertConsent(ctx.storage.db, consent);
  }
  const code = randomToken(32);
  await insertCode(ctx.storage.db, {
    code_hash: keyedHash(ctx.secrets.pepper, code),
    client_id: request.clientId,
    user_id: userId,
    organization_id: organizationId,
    redirect_uri: request.redirectUri,
    scope: request.scopes.join(' '),
    resource: JSON.stringify(request.resources),
    code_challenge: request.codeChallenge,
    nonce: request.nonce,
    auth_time: interaction.row.auth_time ?? now,
    created_at: now,
    expires_at: now + ctx.config.oauthCodeTtl * 1000,
    consumed_at: null,
    consent_id: consent?.id ?? null,
    session_id: null,
  });
  ctx.audit.record({
    action: 'oauth.consent.granted',
    outcome: 'success',
    organizationId,
    actor: { type: 'user', id: userId },
    target: { type: 'oauth_client', id: request.clientId.slice(0, 200) },
  });
  return redirectWith(ctx, request.redirectUri, { code, state: request.state });
}
