import type { Role } from '../../identity/tables.ts';
import { boolean, describe, oneOf, structured } from '../option.ts';

const ROLE_NAMES: readonly Role[] = ['owner', 'admin', 'member', 'readonly'];
const SCOPE = /^(\*|read|write|admin|[a-z][a-z0-9_.-]*(:(\*|[a-zA-Z0-9_.\-/]+))*)$/;

/** Validates `{ role: [scopes…] }` for any subset of the four roles. */
function checkRoleScopes(raw: unknown): Readonly<Partial<Record<Role, readonly string[]>>> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`expected an object of role → scopes, got ${describe(raw)}`);
  const out: Partial<Record<Role, readonly string[]>> = {};
  for (const [role, scopes] of Object.entries(raw)) {
    if (!(ROLE_NAMES as readonly string[]).includes(role)) throw new Error(`unknown role "${role}" (roles: ${ROLE_NAMES.join(', ')})`);
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || !SCOPE.test(s))) {
      throw new Error(`"${role}" must be an array of scopes such as "contexts:read"`);
    }
    out[role as Role] = Object.freeze([...(scopes as string[])]);
  }
  return Object.freeze(out);
}

export const authOptions = {
  authMode: oneOf(['disabled', 'token', 'oauth2', 'all'], {
    doc: '`token`: Gatehouse tokens and API keys. `oauth2`: external issuers plus Gatehouse tokens. `all`: everything. `disabled`: every request is a development principal (never in production).',
    default: 'token',
    aliases: ['AUTH_MODE'],
  }),
  disableAuth: boolean({
    doc: 'Legacy switch: `true` is the same as `authMode=disabled`.',
    default: false,
    aliases: ['DISABLE_AUTH'],
  }),
  roleScopes: structured({
    kind: 'object',
    doc: 'Scopes each role grants, replacing the defaults for the roles given, e.g. `{"member": ["read", "write", "keys:write"]}`. Defaults: owner and admin `*`; member `read`, `write` and reading the organization; readonly `read`.',
    default: {},
    check: checkRoleScopes,
  }),
} as const;
