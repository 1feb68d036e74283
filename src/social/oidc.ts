import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { GatehouseError } from '../errors/index.ts';
import type { UpstreamClient, UpstreamProfile } from './upstream.ts';

const DISCOVERY_TTL_MS = 10 * 60 * 1000;
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

const discovered = new Map<string, { as: oauth.AuthorizationServer; at: number }>();
const keySets = new Map<string, JWTVerifyGetKey>();

const httpOptions = (url: string, timeoutMs: number) => ({
  signal: AbortSignal.timeout(timeoutMs),
  ...(url.startsWith('http:') ? { [oauth.allowInsecureRequests]: true } : {}),
});

/** The provider's metadata (issuer checked exactly, RFC 8414 §3.3), cached for ten minutes; a failure is not cached. */
async function metadata(issuer: string, timeoutMs: number, now: number): Promise<oauth.AuthorizationServer> {
  const known = discovered.get(issuer);
  if (known && now - known.at < DISCOVERY_TTL_MS) return known.as;
  const url = new URL(issuer);
  const as = await oauth.processDiscoveryResponse(
    url,
    await oauth.discoveryRequest(url, { algorithm: 'oidc', ...httpOptions(issuer, timeoutMs) }),
  );
  if (!as.authorization_endpoint || !as.token_endpoint || !as.jwks_uri)
    throw new oauth.OperationProcessingError('discovery lacks endpoints');
  discovered.set(issuer, { as, at: now });
  return as;
}

function keySet(jwksUri: string, timeoutMs: number): JWTVerifyGetKey {
  let set = keySets.get(jwksUri);
  if (!set) {
    set = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: timeoutMs, cooldownDuration: 30_000 });
    keySets.set(jwksUri, set);
  }
  return set;
}

/**
 * Any OpenID Connect provider: discovery, then the authorization code flow with state, nonce and
 * PKCE S256. The callback is checked by oauth4webapi (state, `iss` per RFC 9207, the token
 * response and the ID token's issuer, audience, nonce and times), and the ID token's signature
 * by jose against the provider's JWKS. Claims missing from the ID token come from userinfo.
 */
export const oidcClient: UpstreamClient = {
  async authorizationUrl(flow) {
    const { config } = flow.provider;
    const as = await metadata(config.issuer ?? '', flow.timeoutMs, flow.now);
    const url = new URL(as.authorization_endpoint ?? '');
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', config.clientId);
    url.searchParams.set('redirect_uri', flow.redirectUri);
    url.searchParams.set('scope', (config.scopes ?? []).join(' '));
    url.searchParams.set('state', flow.state);
    url.searchParams.set('nonce', flow.nonce);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    return url;
  },

  async complete(flow, callback): Promise<UpstreamProfile> {
    const { config, clientSecret } = flow.provider;
    const issuer = config.issuer ?? '';
    const as = await metadata(issuer, flow.timeoutMs, flow.now);
    const client: oauth.Client = { client_id: config.clientId };
    const params = oauth.validateAuthResponse(as, client, callback, flow.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(clientSecret),
      params,
      flow.redirectUri,
      flow.codeVerifier,
      httpOptions(as.token_endpoint ?? issuer, flow.timeoutMs),
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: flow.nonce, requireIdToken: true });
    const idToken = tokens.id_token ?? '';
    const allowed = (as.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) => ASYMMETRIC.has(a));
    const { payload } = await jwtVerify(idToken, keySet(as.jwks_uri ?? '', flow.timeoutMs), {
      issuer: as.issuer,
      audience: config.clientId,
      algorithms: allowed,
      currentDate: new Date(flow.now),
      clockTolerance: 30,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    if (payload.nonce !== flow.nonce)
      throw new GatehouseError('social_response_invalid', `${config.id}: the ID token's nonce does not match`);
    let claims: Record<string, unknown> = payload;
    if (typeof payload.email !== 'string' && as.userinfo_endpoint) {
      const info = await oauth.userInfoRequest(as, client, tokens.access_token, httpOptions(as.userinfo_endpoint, flow.timeoutMs));
      claims = { ...(await oauth.processUserInfoResponse(as, client, String(payload.sub), info)), ...payload };
    }
    const email = typeof claims.email === 'string' && claims.email.includes('@') ? claims.email : null;
    return {
      subject: String(payload.sub),
      email,
      emailVerified: email !== null && claims.email_verified === true,
      name: typeof claims.name === 'string' && claims.name !== '' ? claims.name.slice(0, 100) : null,
    };
  },
};
