import { assertMemorySpace, authorize, resolveMemorySpace } from '../../src/authorization/authorize.ts';
import { GatehouseError } from '../../src/errors/index.ts';
import type { Principal } from './principal.ts';

/** Throws 403 `insufficient_scope` (with the scopes in the challenge) unless the principal holds every scope. */
export function checkScopes(principal: Principal | null | undefined, scopes: readonly string[]): void {
  if (!principal) throw new GatehouseError('credentials_missing', 'Authentication required');
  authorize(principal, { scopes });
}

/**
 * The memory space a request acts in: the one it names (403 `memory_space_forbidden` outside the
 * credential's set), else the credential's only one, else 400 `memory_space_required`.
 */
export function checkMemorySpace(principal: Principal | null | undefined, named: string | undefined): string {
  if (!principal) throw new GatehouseError('credentials_missing', 'Authentication required');
  if (named !== undefined && named !== '') assertMemorySpace(principal, named);
  return resolveMemorySpace(principal, named, true) as string;
}
