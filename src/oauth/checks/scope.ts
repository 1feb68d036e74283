import { hasScope, isValidScope } from '../../authorization/index.ts';
import { OAuthError } from '../errors.ts';

/** OpenID Connect scopes: about the user, not permissions on an API. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

/** Parses a `scope` parameter: space-separated, each a valid scope or an OIDC scope; duplicates dropped. */
export function parseScope(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  const out: string[] = [];
  for (const s of value.split(' ')) {
    if (s === '') continue;
    if (!OIDC_SCOPES.has(s) && !isValidScope(s)) throw new OAuthError('invalid_scope', `Invalid scope: ${s.slice(0, 60)}`);
    if (!out.includes(s)) out.push(s);
  }
  if (out.length > 50) throw new OAuthError('invalid_scope', 'Too many scopes');
  return out;
}

/** Permission scopes only (OIDC scopes removed). */
export function permissionScopes(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !OIDC_SCOPES.has(s));
}

/** Throws invalid_scope when a requested permission scope is outside `allowed` (`undefined`: anything). */
export function assertWithin(requested: readonly string[], allowed: readonly string[] | undefined, what: string): void {
  if (allowed === undefined) return;
  const outside = permissionScopes(requested).filter((s) => !hasScope(allowed, s));
  if (outside.length > 0) throw new OAuthError('invalid_scope', `${what} does not allow: ${outside.join(' ').slice(0, 200)}`);
}

/** A canonical form of a scope set (sorted, space-separated) for remembering consent. */
export function canonicalScope(scopes: readonly string[]): string {
  return [...new Set(scopes)].sort().join(' ');
}
