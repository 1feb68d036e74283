export { assertMemorySpace, authorize, type Requirement, resolveMemorySpace } from './authorize.ts';
export { DEFAULT_ROLE_SCOPES, isRole, ROLES, roleAtLeast, scopesForRole } from './roles.ts';
export { ADMIN_RESOURCES, hasScope, isValidScope, missingScopes, scopeCovers, ungrantable } from './scopes.ts';
