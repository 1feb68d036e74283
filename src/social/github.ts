import * as oauth from 'oauth4webapi';
import { GatehouseError } from '../errors/index.ts';
import type { UpstreamClient, UpstreamFlow, UpstreamProfile } from './upstream.ts';

const MAX_BYTES = 262_144;

function server(flow: UpstreamFlow): oauth.AuthorizationServer {
  const { config } = flow.provider;
  return {
    issuer: new URL(config.authorizationUrl ?? '').origin,
    authorization_endpoint: config.authorizationUrl ?? '',
    token_endpoint: config.tokenUrl ?? '',
  };
}

const insecure = (url: string) => (url.startsWith('http:') ? { [oauth.allowInsecureRequests]: true } : {});

/** GETs one GitHub API document as JSON, with the access token, a timeout and a size cap. */
async function api(flow: UpstreamFlow, path: string, accessToken: string): Promise<unknown> {
  const res = await fetch(`${flow.provider.config.apiUrl}${path}`, {
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${accessToken}`,
      'user-agent': 'gatehouse',
      'x-github-api-version': '2022-11-28',
    },
    redirect: 'error',
    signal: AbortSignal.timeout(flow.timeoutMs),
  });
  const text = await res.text();
  if (!res.ok || text.length > MAX_BYTES)
    throw new GatehouseError('social_provider_unavailable', `github: ${path} answered HTTP ${res.status}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new GatehouseError('social_provider_unavailable', `github: ${path} did not answer JSON`);
  }
}

/** The verified primary address, else none: only an address GitHub has verified links accounts. */
function verifiedPrimary(emails: unknown): string | null {
  if (!Array.isArray(emails)) return null;
  for (const e of emails) {
    if (e && typeof e === 'object') {
      const { email, primary, verified } = e as Record<string, unknown>;
      if (primary === true && verified === true && typeof email === 'string' && email.includes('@')) return email;
    }
  }
  return null;
}

/**
 * GitHub-shaped plain OAuth 2.0: the authorization code flow with state and PKCE S256 (no ID
 * token, no nonce); who signed in comes from `GET /user`, the email from `GET /user/emails`
 * (the verified primary one). The endpoints come from configuration (GitHub Enterprise, tests).
 */
export const githubClient: UpstreamClient = {
  async authorizationUrl(flow) {
    const { config } = flow.provider;
    const url = new URL(config.authorizationUrl ?? '');
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', config.clientId);
    url.searchParams.set('redirect_uri', flow.redirectUri);
    url.searchParams.set('scope', (config.scopes ?? []).join(' '));
    url.searchParams.set('state', flow.state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('allow_signup', 'true');
    return url;
  },

  async complete(flow, callback): Promise<UpstreamProfile> {
    const as = server(flow);
    const client: oauth.Client = { client_id: flow.provider.config.clientId };
    const params = oauth.validateAuthResponse(as, client, callback, flow.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(flow.provider.clientSecret),
      params,
      flow.redirectUri,
      flow.codeVerifier,
      { signal: AbortSignal.timeout(flow.timeoutMs), ...insecure(as.token_endpoint ?? '') },
    );
    // GitHub reports a bad or used code as HTTP 200 with an `error` member.
    const peek = (await response
      .clone()
      .json()
      .catch(() => undefined)) as Record<string, unknown> | undefined;
    if (response.ok && peek && typeof peek.error === 'string') {
      const word = /^[a-z_]{1,64}$/.test(peek.error) ? peek.error : 'error';
      throw new GatehouseError('social_provider_denied', `github answered ${word}`);
    }
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    const user = (await api(flow, '/user', tokens.access_token)) as Record<string, unknown> | null;
    const id = user?.id;
    if (typeof id !== 'number' && typeof id !== 'string')
      throw new GatehouseError('social_provider_unavailable', 'github: /user has no id');
    const email = verifiedPrimary(await api(flow, '/user/emails', tokens.access_token));
    const name = typeof user?.name === 'string' && user.name !== '' ? user.name : typeof user?.login === 'string' ? user.login : null;
    return { subject: String(id), email, emailVerified: email !== null, name: name?.slice(0, 100) ?? null };
  },
};
