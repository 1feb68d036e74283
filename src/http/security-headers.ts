/**
 * Headers every response carries, errors and 404s included: no MIME sniffing, a CSP that lets an
 * API response load and frame nothing, no Referer leaking a URL onwards, and nothing cached (most
 * answers hold credentials or personal data; the JWKS route opts back in to caching). `/docs`
 * replaces the CSP with the looser one its page needs (@fastify/swagger-ui `staticCSP`).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
});

/** The same headers as raw `Name: value\r\n` lines, for answers written straight to the socket. */
export const SECURITY_HEADER_LINES = Object.entries(SECURITY_HEADERS)
  .map(([k, v]) => `${k}: ${v}\r\n`)
  .join('');
