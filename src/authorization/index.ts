export { assertMemorySpace, authorize, type Requirement, resolveMemorySpace } from './authorize.ts';
export { type KeyAction, type KeyOwner, mayActOnKey } from './keys.ts';
export { DEFAULT_ROLE_SCOPES, isRole, ROLES, roleAtLeast, scopesForRole } from './roles.ts';
export { ADMIN_RESOURCES, hasScope, intersectScopes, isValidScope, missingScopes, scopeCovers, ungrantable } from './scopes.ts';
