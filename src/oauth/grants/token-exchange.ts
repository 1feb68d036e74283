import { hasScope, intersectScopes } from '../../authorization/index.ts';
import { GatehouseError } from '../../errors/index.ts';
import type { Actor, Confirmation, Principal } from '../../pipeline/principal.ts';
import { checkResources } from '../checks/resource.ts';
import { parseScope, permissionScopes } from '../checks/scope.ts';
import type { Client } from '../clients/client.ts';
import { TOKEN_EXCHANGE } from '../clients/metadata.ts';
import type { OAuthContext, OAuthParams } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { TokenBody } from '../issue.ts';
import { findResourceByIdentifier } from '../records/resources.ts';
import { audienceList, unverifiedClaims } from '../token-claims.ts';

export const grantType = TOKEN_EXCHANGE;
export const parameters = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'resource',
  'audience',
  'scope',
  'requested_token_type',
] as const;

const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const TOKEN_TYPES = new Set([ACCESS_TOKEN, JWT]);
const MAX_CHAIN = 5;

/** RFC 8693 §2.2.1 response: an access token, never a refresh token. */
export interface ExchangeBody extends TokenBody {
  issued_token_type: typeof ACCESS_TOKEN;
}

/** RFC 8693 §2.2.2: a subject or actor token that is not acceptable is `invalid_request`. */
const unacceptable = (why: string) => new OAuthError('invalid_request', why);

/** Verifies one of our own access tokens for any audience it names (the exchange decides the new audience). */
async function verifyOwnToken(ctx: OAuthContext, token: string, what: string, ip: string): Promise<Principal> {
  if (token.length > 16_384) throw unacceptable(`The ${what} is invalid`);
  const claims = unverifiedClaims(token);
  const audience = claims ? audienceList(claims)[0] : undefined;
  if (claims?.iss !== ctx.config.issuer || audience === undefined) throw unacceptable(`The ${what} is not a token of this server`);
  let principal: Principal;
  try {
    principal = await ctx.tokens.verify(token, { audience, ip });
  } catch (err) {
    if (err instanceof GatehouseError && err.status < 500) {
      const why = err.error === 'token_expired' ? 'has expired' : err.error === 'token_revoked' ? 'was revoked' : 'is invalid';
      throw unacceptable(`The ${what} ${why}`);
    }
    throw err;
  }
  // A token bound to a DPoP key or certificate is usable only with proof of that key; the exchange
  // request cannot give it, so such a token is never exchanged (fail closed).
  if (principal.confirmation !== undefined) throw unacceptable(`The ${what} is sender-constrained and cannot be exchanged`);
  return principal;
}

function depth(act: Actor | undefined): number {
  return act === undefined ? 0 : 1 + depth(act.act);
}

/** The one target of the exchange: `resource` and/or `audience`, naming the same identifier. */
function targetOf(params: OAuthParams): string {
  const targets = [...new Set([...params.all('resource'), ...params.all('audience')])];
  if (targets.length === 0) throw new OAuthError('invalid_target', 'Name the resource the token is for (resource or audience)');
  if (targets.length > 1) throw new OAuthError('invalid_target', 'Exchange for one resource at a time');
  return targets[0] as string;
}

/**
 * RFC 8693: an agent (a confidential client allowed to exchange) trades a user's access token for
 * one to call one resource on the user's behalf. `sub` stays the user; `act` names the client
 * (the subject token's own `act` nested inside, for chains); scopes are at most what the user
 * holds now, the client may ask and the resource accepts; memory spaces and the login session
 * are the subject token's; the lifetime never outlasts the subject token.
 */
export async function handler(
  ctx: OAuthContext,
  client: Client,
  params: OAuthParams,
  ip: string | null,
  cnf?: Confirmation,
): Promise<ExchangeBody> {
  if (client.organizationId === null || client.authMethod === 'none' || client.exchangeResources.length === 0)
    throw new OAuthError('unauthorized_client', 'The client may not exchange tokens');
  const subjectToken = params.one('subject_token');
  const subjectType = params.one('subject_token_type');
  if (subjectToken === undefined || subjectType === undefined)
    throw new OAuthError('invalid_request', 'subject_token and subject_token_type are required');
  if (!TOKEN_TYPES.has(subjectType)) throw unacceptable('subject_token_type must be an access token');
  const requested = params.one('requested_token_type');
  if (requested !== undefined && requested !== ACCESS_TOKEN) throw unacceptable('Only access tokens are issued');
  const target = targetOf(params);
  if (!client.exchangeResources.includes(target))
    throw new OAuthError('invalid_target', 'The client may not exchange tokens for this resource');

  const subject = await verifyOwnToken(ctx, subjectToken, 'subject token', ip ?? '');
  if (subject.kind !== 'user' || subject.userId === undefined) throw unacceptable('The subject token must be a user access token');
  if (subject.organizationId !== client.organizationId) throw unacceptable('The subject token is of another organization');
  const actorToken = params.one('actor_token');
  if (actorToken !== undefined) {
    if (!TOKEN_TYPES.has(params.one('actor_token_type') ?? '')) throw unacceptable('actor_token_type must be an access token');
    const actor = await verifyOwnToken(ctx, actorToken, 'actor token', ip ?? '');
    if (actor.subject !== client.id) throw unacceptable('The actor token must be the client’s own');
  } else if (params.one('actor_token_type') !== undefined) {
    throw unacceptable('actor_token_type without actor_token');
  }
  if (depth(subject.act) >= MAX_CHAIN) throw unacceptable('The delegation chain is too long');

  const now = ctx.clock.now();
  const remaining = Math.floor(((subject.expiresAt ?? now) - now) / 1000);
  if (remaining <= 0) throw unacceptable('The subject token has expired');

  const resource = await findResourceByIdentifier(ctx.storage.db, [target]);
  if (!resource || resource.organization_id !== client.organizationId) throw new OAuthError('invalid_target', 'Unknown resource');
  const accepted = JSON.parse(resource.scopes) as string[];
  const mayAsk = client.scope === undefined ? subject.scopes : intersectScopes(subject.scopes, client.scope);
  let scopes: string[];
  if (params.one('scope') === undefined) {
    scopes = intersectScopes(mayAsk, accepted);
  } else {
    scopes = permissionScopes(parseScope(params.one('scope')));
    const wider = scopes.filter((s) => !hasScope(mayAsk, s));
    if (wider.length > 0)
      throw new OAuthError('invalid_scope', `Beyond what the user holds or the client may ask: ${wider.join(' ').slice(0, 200)}`);
  }
  await checkResources(ctx, client.organizationId, [target], scopes);

  const act: Actor = subject.act === undefined ? { sub: client.id } : { sub: client.id, act: subject.act };
  const access = await ctx.tokens.issueAccessToken({
    subject: subject.userId,
    organizationId: subject.organizationId,
    role: subject.role,
    scopes,
    clientId: client.id,
    memorySpaces: subject.memorySpaces,
    ttlSeconds: Math.min(remaining, ctx.config.accessTokenTtl),
    audience: [target],
    act,
    ...(subject.sessionId !== undefined ? { sessionId: subject.sessionId } : {}),
    // The agent's DPoP key or certificate binds the token it gets (RFC 9449, RFC 8705).
    ...(cnf !== undefined ? { confirmation: cnf } : {}),
  });
  ctx.audit.record({
    action: 'oauth.token.exchanged',
    outcome: 'success',
    organizationId: subject.organizationId,
    actor: { type: 'oauth_client', id: client.id },
    target: { type: 'user', id: subject.userId },
    details: {
      on_behalf_of: subject.userId,
      acting_client: client.id,
      act_chain: chainOf(act),
      resource: target.slice(0, 500),
      scope: scopes.join(' ').slice(0, 500),
      subject_credential: subject.credentialId,
    },
  });
  return {
    access_token: access.token,
    issued_token_type: ACCESS_TOKEN,
    token_type: cnf?.jkt !== undefined ? 'DPoP' : 'Bearer',
    expires_in: Math.max(0, Math.ceil((access.expiresAt - now) / 1000)),
    scope: scopes.join(' '),
  };
}

/** `cli_b > cli_a`: the acting client first, then the ones before it. */
function chainOf(act: Actor | undefined): string {
  return act === undefined ? '' : [act.sub, chainOf(act.act)].filter((s) => s !== '').join(' > ');
}
