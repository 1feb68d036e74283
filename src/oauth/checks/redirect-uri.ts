const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK.has(url.hostname);
}

/**
 * Whether a redirect URI may be registered: absolute, no fragment, and https, http on a loopback
 * host (RFC 8252 §7.3) or a private-use scheme with a dot (`com.example.app:/cb`, §7.1).
 */
export function isRegistrableRedirectUri(value: string): boolean {
  if (value.length > 2000) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.hash !== '' || value.includes('#')) return false;
  if (url.protocol === 'https:') return url.hostname !== '';
  if (url.protocol === 'http:') return isLoopbackHttp(url);
  return /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol) && url.username === '' && url.password === '';
}

const LOOPBACK_PORT = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d{1,5})?(?=[/?]|$)/;

/** A loopback http URI without its port, compared as text (no normalisation), or undefined. */
function portless(uri: string): string | undefined {
  return LOOPBACK_PORT.test(uri) ? uri.replace(LOOPBACK_PORT, 'http://$1') : undefined;
}

/**
 * Exact matching of a presented redirect URI against the registered ones: byte-for-byte, except
 * that a loopback http redirect may use any port (RFC 8252 §7.3). Case, trailing slashes, extra
 * query parameters and other ports elsewhere all fail.
 */
export function matchRedirectUri(registered: readonly string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  const p = portless(presented);
  return p !== undefined && registered.some((r) => portless(r) === p);
}
