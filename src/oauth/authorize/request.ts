import { isValidChallenge } from '../checks/pkce.ts';
import { matchRedirectUri } from '../checks/redirect-uri.ts';
import { assertWithin, parseScope } from '../checks/scope.ts';
import type { Client } from '../clients/client.ts';
import type { OAuthContext, OAuthParams } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { findResourceByIdentifier } from '../records/resources.ts';

/** A validated authorization request, kept while the browser signs in and consents. */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string | null;
  readonly nonce: string | null;
  readonly codeChallenge: string;
  readonly resources: readonly string[];
  readonly prompt: readonly string[];
  /** OpenID Connect `max_age` (seconds): an older sign-in must be repeated. Null when not asked. */
  readonly maxAge: number | null;
}

/** An error shown on the page: the redirect URI is not (yet) verified, so nothing is redirected. */
export class PageError extends Error {
  override readonly name = 'PageError';
  constructor(
    readonly title: string,
    readonly detail: string,
    readonly status = 400,
  ) {
    super(detail);
  }
}

/** An error reported to the client at its verified redirect URI (RFC 6749 §4.1.2.1). */
export class RedirectError extends Error {
  override readonly name = 'RedirectError';
  constructor(
    readonly redirectUri: string,
    readonly error: OAuthError,
    readonly state: string | null,
  ) {
    super(error.description);
  }
}

/** The client's redirect URI with a response's parameters and `iss` (RFC 9207). */
export function redirectWith(ctx: OAuthContext, redirectUri: string, params: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.append(k, v);
  url.searchParams.append('iss', ctx.config.issuer);
  return url.href;
}

export function errorRedirect(ctx: OAuthContext, e: RedirectError): string {
  return redirectWith(ctx, e.redirectUri, { error: e.error.error, error_description: e.error.description, state: e.state });
}

/**
 * Checks `GET /oauth/authorize` in order: the client and its redirect URI first (failures are
 * shown on the page), then everything else (failures go back to the verified redirect URI):
 * response type, PKCE S256, scope, resources, prompt, max_age. `prompt=none` is answered by the
 * endpoint (it needs the browser session).
 */
export async function validateAuthorizationRequest(
  ctx: OAuthContext,
  q: OAuthParams,
): Promise<{ client: Client; request: AuthorizationRequest }> {
  let clientId: string | undefined;
  let redirectUri: string | undefined;
  try {
    clientId = q.one('client_id');
    redirectUri = q.one('redirect_uri');
  } catch (err) {
    throw new PageError('Invalid request', err instanceof OAuthError ? err.description : 'Malformed request');
  }
  if (clientId === undefined) throw new PageError('Invalid request', 'client_id is missing.');
  let client: Client;
  try {
    client = await ctx.resolveClient(clientId);
  } catch (err) {
    throw new PageError(
      'Unknown application',
      err instanceof OAuthError && err.description !== 'Unknown client' ? err.description : 'This application is not registered here.',
    );
  }
  if (redirectUri === undefined) throw new PageError('Invalid request', 'redirect_uri is missing.');
  if (!matchRedirectUri(client.redirectUris, redirectUri)) {
    throw new PageError('Invalid redirect', 'The redirect URI is not registered for this application.');
  }
  let state: string | null = null;
  try {
    state = q.one('state') ?? null;
    const fail = (error: OAuthError) => new RedirectError(redirectUri, error, state);
    if (state !== null && state.length > 1000) throw fail(new OAuthError('invalid_request', 'state is too long'));
    if (q.one('request') !== undefined || q.one('request_uri') !== undefined) {
      throw fail(new OAuthError('invalid_request', 'Request objects are not supported'));
    }
    const responseType = q.one('response_type');
    if (responseType !== 'code') throw fail(new OAuthError('unsupported_response_type', 'Only response_type=code is supported'));
    if (!client.grantTypes.includes('authorization_code'))
      throw fail(new OAuthError('unauthorized_client', 'The client may not use the authorization code flow'));
    const responseMode = q.one('response_mode');
    if (responseMode !== undefined && responseMode !== 'query')
      throw fail(new OAuthError('invalid_request', 'Only response_mode=query is supported'));
    const challenge = q.one('code_challenge');
    const method = q.one('code_challenge_method');
    if (challenge === undefined) throw fail(new OAuthError('invalid_request', 'code_challenge is required (PKCE)'));
    if (method !== 'S256') throw fail(new OAuthError('invalid_request', 'code_challenge_method must be S256'));
    if (!isValidChallenge(challenge)) throw fail(new OAuthError('invalid_request', 'code_challenge is malformed'));
    let scopes: string[];
    try {
      scopes = parseScope(q.one('scope'));
      assertWithin(scopes, client.scope, 'The client');
    } catch (err) {
      throw fail(err instanceof OAuthError ? err : new OAuthError('invalid_scope', 'Invalid scope'));
    }
    const resources = q.all('resource');
    if (resources.length > 5) throw fail(new OAuthError('invalid_target', 'Too many resources'));
    for (const r of resources) {
      const row = await findResourceByIdentifier(ctx.storage.db, [r]);
      if (!row) {
        throw fail(new OAuthError('invalid_target', 'Unknown resource'));
      }
    }
    const nonce = q.one('nonce') ?? null;
    if (nonce !== null && nonce.length > 500) throw fail(new OAuthError('invalid_request', 'nonce is too long'));
    const prompt = (q.one('prompt') ?? '').split(' ').filter((p) => p !== '');
    if (prompt.some((p) => !['none', 'login', 'consent', 'select_account'].includes(p)))
      throw fail(new OAuthError('invalid_request', 'Unsupported prompt'));
    if (prompt.includes('none') && prompt.length > 1) throw fail(new OAuthError('invalid_request', 'prompt=none cannot be combined'));
    const maxAgeParam = q.one('max_age');
    if (maxAgeParam !== undefined && !/^\d{1,9}$/.test(maxAgeParam))
      throw fail(new OAuthError('invalid_request', 'max_age must be a number of seconds'));
    return {
      client,
      request: {
        clientId: client.id,
        redirectUri,
        scopes,
        state,
        nonce,
        codeChallenge: challenge,
        resources: [...new Set(resources)],
        prompt,
        maxAge: maxAgeParam === undefined ? null : Number(maxAgeParam),
      },
    };
  } catch (err) {
    if (err instanceof RedirectError) throw err;
    if (err instanceof OAuthError) throw new RedirectError(redirectUri, err, state);
    throw err;
  }
}
