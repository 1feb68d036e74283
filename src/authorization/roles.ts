import type { Role } from '../identity/tables.ts';

/** The scopes each role grants by default. */
export const DEFAULT_ROLE_SCOPES: Readonly<Record<Role, readonly string[]>> = {
  owner: ['*'],
  admin: ['*'],
  member: ['read', 'write', 'org:read', 'members:read', 'spaces:read', 'keys:read', 'keys:write'],
  readonly: ['read', 'org:read', 'members:read', 'spaces:read', 'keys:read'],
};

export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'readonly'];

const RANK: Readonly<Record<Role, number>> = { owner: 3, admin: 2, member: 1, readonly: 0 };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** True when `role` is at least `minimum` (owner > admin > member > readonly). */
export function roleAtLeast(role: Role | null, minimum: Role): boolean {
  return role !== null && RANK[role] >= RANK[minimum];
}

/** The scopes a role grants: the configured override (`roleScopes`) or the default. */
export function scopesForRole(role: Role, overrides: Readonly<Partial<Record<Role, readonly string[]>>> = {}): readonly string[] {
  return overrides[role] ?? DEFAULT_ROLE_SCOPES[role];
}
