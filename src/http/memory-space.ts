import { resolveMemorySpace } from '../authorization/index.ts';
import { GatehouseError } from '../errors/index.ts';
import { memorySpaceExists } from '../identity/memory-spaces.ts';
import { assertSpaceName, isSpaceName } from '../identity/normalize.ts';
import type { Principal } from '../pipeline/principal.ts';
import type { Db } from '../storage/index.ts';

/**
 * The memory space a decision affirms (and echoes in `X-Gatehouse-Memory-Space`), checked in
 * order: the naming rule (400 `invalid_memory_space_name`), the credential's own set (403), and
 * that the organization has it (403 `memory_space_forbidden`: a space that does not exist is one
 * no credential may act in). The development principal of `authMode=disabled` skips the last step.
 */
export async function checkedMemorySpace(
  db: Db,
  principal: Principal,
  named: string | undefined,
  where: string,
): Promise<string | undefined> {
  const isNamed = named !== undefined && named !== '';
  if (isNamed) assertSpaceName(named, where);
  const space = resolveMemorySpace(principal, named);
  if (space === undefined || principal.kind === 'development') return space;
  // A credential's only space (e.g. from an external token's claim) is not the caller's input: refused, not a 400.
  if ((!isNamed && !isSpaceName(space)) || !(await memorySpaceExists(db, principal.organizationId, space)))
    throw new GatehouseError(
      'memory_space_forbidden',
      isNamed
        ? `Memory space "${space}" does not exist in this organization`
        : "The credential's memory space does not exist in this organization",
    );
  return space;
}
