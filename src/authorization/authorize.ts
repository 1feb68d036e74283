import { GatehouseError } from '../errors/index.ts';
import type { Role } from '../identity/tables.ts';
import { isDelegated, type Principal } from '../pipeline/principal.ts';
import { roleAtLeast } from './roles.ts';
import { missingScopes } from './scopes.ts';

/** What an operation needs from its caller. */
export interface Requirement {
  /** Every one of these scopes. */
  readonly scopes?: readonly string[];
  /**
   * At least this role, for every credential with a user behind it (the user's session, a key the
   * user made, a key minted by that key): the user's current role counts. Credentials with no user
   * behind them (operator service keys, client-credential tokens) are judged by scopes alone.
   */
  readonly minimumRole?: Role;
  /** The organization the object belongs to: another one's object is a 404, like a missing one. */
  readonly organizationId?: string;
  /** The memory space the request touches. */
  readonly memorySpace?: string;
  /**
   * Only a credential the user or organization holds itself (a login session, an API key, a key
   * made by a key), never one handed to a third party (`isDelegated`: an external identity, an
   * OAuth client's token, a user's token issued to a client). For what would outlive the grant:
   * minting an API key or an OAuth client, widening or re-pointing one, a new client secret.
   */
  readonly ownCredential?: true;
}

/** Throws the precise error when `principal` may not do what `need` describes. Pure. */
export function authorize(principal: Principal, need: Requirement): void {
  if (need.organizationId !== undefined && need.organizationId !== principal.organizationId) {
    throw new GatehouseError('not_found');
  }
  if (need.scopes && need.scopes.length > 0) {
    const missing = missingScopes(principal.scopes, need.scopes);
    if (missing.length > 0) {
      throw new GatehouseError('insufficient_scope', `Missing scope: ${missing.join(' ')}`, { scope: need.scopes.join(' ') });
    }
  }
  if (need.minimumRole !== undefined && principal.userId !== undefined && !roleAtLeast(principal.role, need.minimumRole)) {
    throw new GatehouseError('insufficient_role', `Requires the ${need.minimumRole} role or higher`);
  }
  // An external identity's issuer decides its scopes, never its Gatehouse role: whatever its token
  // says, it does nothing that needs one (members, invitations, signing keys, the organization).
  if (need.minimumRole !== undefined && principal.kind === 'external') {
    throw new GatehouseError('insufficient_role', `Requires the ${need.minimumRole} role: external identities hold no Gatehouse role`);
  }
  if (need.ownCredential && isDelegated(principal)) {
    throw new GatehouseError(
      'insufficient_role',
      'A delegated credential (an external identity or an OAuth token) cannot create or change a lasting credential; a Gatehouse user session or API key can',
    );
  }
  if (need.memorySpace !== undefined) assertMemorySpace(principal, need.memorySpace);
}

/** A space outside the credential's set is a 403. */
export function assertMemorySpace(principal: Principal, space: string): void {
  if (principal.memorySpaces !== '*' && !principal.memorySpaces.includes(space)) {
    // Names are at most 64 characters; a longer header is not echoed back whole.
    const shown = space.length > 64 ? `${space.slice(0, 64)}…` : space;
    throw new GatehouseError('memory_space_forbidden', `Credential is not bound to memory space "${shown}"`);
  }
}

/**
 * The memory space a request acts in: the one it names, else the credential's only space, else
 * none (undefined). Naming none while the credential covers several is `memory_space_required`
 * when `required` is set.
 */
export function resolveMemorySpace(principal: Principal, named: string | undefined, required = false): string | undefined {
  if (named !== undefined && named !== '') {
    assertMemorySpace(principal, named);
    return named;
  }
  if (principal.memorySpaces !== '*' && principal.memorySpaces.length === 1) return principal.memorySpaces[0];
  if (required) throw new GatehouseError('memory_space_required');
  return undefined;
}
