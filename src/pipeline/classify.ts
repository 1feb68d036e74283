/** What a credential looks like, judged by shape alone (no crypto, no storage). */
export type CredentialShape = { kind: 'jwt' } | { kind: 'api_key' } | { kind: 'unknown' };

const JWT = /^eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * Reads `iss` from an unverified JWT payload, only to route it to the right verifier (which then
 * verifies everything, `iss` included). Not needed for a token the verified-token cache knows.
 */
export function unverifiedIssuer(token: string): string | undefined {
  const start = token.indexOf('.') + 1;
  const end = token.indexOf('.', start);
  if (end - start > 16_384) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.slice(start, end), 'base64url').toString('utf8'));
    if (payload && typeof payload === 'object' && 'iss' in payload) {
      const iss = (payload as { iss: unknown }).iss;
      return typeof iss === 'string' ? iss : undefined;
    }
  } catch {
    // Not JSON: the verifier will say so.
  }
  return undefined;
}

/**
 * Classifies a credential: an API key by its prefix (the API-key module checks the checksum),
 * a JWT by its three base64url segments (then routed by `iss`, see `unverifiedIssuer`), anything
 * else unknown.
 */
export function classifyCredential(value: string, looksLikeApiKey: (v: string) => boolean): CredentialShape {
  if (looksLikeApiKey(value)) return { kind: 'api_key' };
  if (JWT.test(value)) return { kind: 'jwt' };
  return { kind: 'unknown' };
}
