import type { Confirmation } from '../../pipeline/index.ts';
import { checkResources } from '../checks/resource.ts';
import { assertWithin, parseScope, permissionScopes } from '../checks/scope.ts';
import type { Client } from '../clients/client.ts';
import type { OAuthContext, OAuthParams } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { issueClientToken, type TokenBody } from '../issue.ts';

export const grantType = 'client_credentials';
export const parameters = ['scope', 'resource'] as const;

/**
 * RFC 6749 §4.4: a confidential client acting for itself. `sub` is the client, the organization
 * is the client's; scopes are within the client's registered scope (none registered: none granted).
 */
export async function handler(
  ctx: OAuthContext,
  client: Client,
  params: OAuthParams,
  _ip: string | null,
  cnf?: Confirmation,
): Promise<TokenBody> {
  if (client.organizationId === null || client.authMethod === 'none')
    throw new OAuthError('unauthorized_client', 'Public clients cannot use client_credentials');
  const requested = permissionScopes(parseScope(params.one('scope')));
  assertWithin(requested, client.scope ?? [], 'The client');
  const scopes = params.one('scope') === undefined ? [...(client.scope ?? [])] : requested;
  const resources = await checkResources(ctx, client.organizationId, params.all('resource'), scopes);
  return issueClientToken(ctx, client, client.organizationId, scopes, resources, ctx.clock.now(), cnf);
}
