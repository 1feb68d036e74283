import { GatehouseError } from '../../../errors/index.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import type { Db } from '../../../storage/index.ts';
import { ownOrganization } from '../identity/context.ts';

/** Body fields other systems send when creating a key: whose tenant, and one memory space. */
export interface TenantFields {
  organization_id?: string;
  tenant_id?: string;
  memory_space_id?: string;
  memory_spaces?: string[] | '*';
}

const ref = { type: 'string', minLength: 1, maxLength: 100 } as const;

/** Their JSON schemas, for a create body. */
export const tenantFieldSchemas = {
  organization_id: {
    ...ref,
    description:
      "The caller's own organization (id or slug); another is a 404. Optional: a key is always made in the caller's organization.",
  },
  tenant_id: { ...ref, description: 'Same as `organization_id`.' },
  memory_space_id: { type: 'string', minLength: 1, maxLength: 64, description: 'One memory space: the same as `memory_spaces: [name]`.' },
} as const;

/**
 * Checks the organization a body names (it must be the caller's) and folds `memory_space_id` into
 * `memory_spaces`. Answers the memory spaces the body asks for, if any.
 */
export async function readTenantFields(db: Db, principal: Principal, body: TenantFields): Promise<string[] | '*' | undefined> {
  const { organization_id: org, tenant_id: tenant, memory_space_id: space, memory_spaces: spaces } = body;
  // Each must be the caller's organization, so two given name the same one.
  for (const named of [org, tenant]) if (named !== undefined) await ownOrganization(db, principal, named);
  if (space === undefined) return spaces;
  if (spaces !== undefined && !(Array.isArray(spaces) && spaces.length === 1 && spaces[0] === space))
    throw new GatehouseError('validation_failed', 'body must have at most one of memory_space_id and memory_spaces');
  return [space];
}
