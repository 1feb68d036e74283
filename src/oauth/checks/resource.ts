import { hasScope } from '../../authorization/index.ts';
import type { OAuthContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { findResourceByIdentifier } from '../records/resources.ts';
import { permissionScopes } from './scope.ts';

/**
 * RFC 8707: every requested `resource` must be a registered resource of the organization, and
 * the requested permission scopes must be ones those resources accept. No resource: the token is
 * for Gatehouse itself.
 */
export async function checkResources(
  ctx: OAuthContext,
  organizationId: string,
  resources: readonly string[],
  scopes: readonly string[],
): Promise<string[]> {
  if (resources.length > 5) throw new OAuthError('invalid_target', 'Too many resources');
  const accepted: string[] = [];
  for (const identifier of resources) {
    const row = await findResourceByIdentifier(ctx.storage.db, [identifier]);
    if (!row || row.organization_id !== organizationId) throw new OAuthError('invalid_target', 'Unknown resource');
    accepted.push(...(JSON.parse(row.scopes) as string[]));
  }
  if (resources.length > 0) {
    const outside = permissionScopes(scopes).filter((s) => !hasScope(accepted, s));
    if (outside.length > 0) throw new OAuthError('invalid_scope', `The resource does not accept: ${outside.join(' ').slice(0, 200)}`);
  }
  return [...new Set(resources)];
}
