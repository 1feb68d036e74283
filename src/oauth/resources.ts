import { isValidScope } from '../authorization/index.ts';
import { GatehouseError } from '../errors/index.ts';

/**
 * A resource identifier (RFC 8707 §2): an absolute https URL (http only on a loopback host),
 * without fragment or query.
 */
export function checkResourceIdentifier(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new GatehouseError('oauth_invalid_resource', 'identifier must be an absolute URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new GatehouseError('oauth_invalid_resource', 'identifier must be https (http only on a loopback host)');
  }
  if (url.hash !== '' || url.search !== '' || value.includes('#') || value.includes('?') || url.username !== '' || value.length > 500) {
    throw new GatehouseError('oauth_invalid_resource', 'identifier must not have a query, fragment or credentials');
  }
  return value;
}

export function checkResourceScopes(scopes: readonly string[]): string[] {
  const badScope = scopes.find((s) => !isValidScope(s));
  if (badScope !== undefined) throw new GatehouseError('oauth_invalid_resource', `Invalid scope: ${badScope.slice(0, 60)}`);
  return [...new Set(scopes)];
}
