/**
 * Scopes are `resource:action[:qualifier]`. A granted scope matches a required one when each of its
 * segments equals the required segment, or it ends in `*`, which matches the rest (one or more
 * segments): `*` and `*:*` grant everything, `contexts:*` every action on contexts,
 * `tools:execute:*` every tool. The permission words `read`, `write` and `admin` are sets.
 */
const SCOPE = /^(\*|[a-z][a-z0-9_.-]*)(:(\*|[a-zA-Z0-9_.\-/]+))*$/;

/** Resources of Gatehouse's own admin API, left out of the `read`/`write` permission words. */
export const ADMIN_RESOURCES: ReadonlySet<string> = new Set(['org', 'members', 'invitations', 'audit', 'signing_keys']);

const READ_ACTIONS = new Set(['read', 'list', 'get', 'search']);
const WRITE_ACTIONS = new Set(['write', 'create', 'update', 'delete', 'execute']);

export function isValidScope(scope: string): boolean {
  return scope.length <= 200 && (scope === 'read' || scope === 'write' || scope === 'admin' || SCOPE.test(scope));
}

/** Does the single granted scope (or word) cover the required one? */
export function scopeCovers(granted: string, required: string): boolean {
  if (granted === required) return true;
  if (granted === 'admin') return true;
  if (required === 'read' && granted === 'write') return true;
  const [resource = '', action = ''] = required.split(':');
  if (granted === 'read' || granted === 'write') {
    if (ADMIN_RESOURCES.has(resource)) return false;
    return READ_ACTIONS.has(action) || (granted === 'write' && WRITE_ACTIONS.has(action));
  }
  const g = granted.split(':');
  const r = required.split(':');
  for (let i = 0; i < g.length; i++) {
    const seg = g[i];
    if (seg === '*') return i < r.length;
    if (seg !== r[i]) return false;
  }
  return g.length === r.length;
}

/** Does the set of granted scopes cover `required`? */
export function hasScope(granted: readonly string[], required: string): boolean {
  for (const g of granted) if (scopeCovers(g, required)) return true;
  return false;
}

/** The required scopes the granted set does not cover (empty when all are covered). */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  return required.filter((r) => !hasScope(granted, r));
}

/**
 * Narrowing: the scopes of `requested` that a holder of `holder` cannot hand out (empty when the
 * request is allowed). A wildcard or word is grantable only by a scope that covers it entirely,
 * so a scope only ever narrows.
 */
export function ungrantable(holder: readonly string[], requested: readonly string[]): string[] {
  return requested.filter((r) => !hasScope(holder, r));
}

/**
 * What two scope sets both grant: each scope of one set that the other covers. `['*']` and a
 * role's scopes give the role's scopes; `['keys:*']` and `['keys:read', 'org:read']` give
 * `['keys:read']`. A credential that acts for someone gets at most this.
 */
export function intersectScopes(a: readonly string[], b: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of a) if (hasScope(b, s)) out.add(s);
  for (const s of b) if (hasScope(a, s)) out.add(s);
  return [...out];
}
