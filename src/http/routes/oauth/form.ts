import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthParams } from '../../../oauth/context.ts';
import { OAuthError } from '../../../oauth/errors.ts';
import { toGatehouseError } from '../../error-handler.ts';

/** Parameters that may repeat (RFC 8707 `resource`); any other repeated one is invalid_request (RFC 6749 §3.1). */
const REPEATABLE = new Set(['resource']);

/** OAuthParams over a form body or a query string. */
export function paramsOf(source: URLSearchParams): OAuthParams {
  return {
    one(name) {
      const values = source.getAll(name);
      if (values.length > 1 && !REPEATABLE.has(name)) throw new OAuthError('invalid_request', `${name} must not be repeated`);
      const v = values[0];
      return v === undefined || v === '' ? undefined : v;
    },
    all: (name) => source.getAll(name).filter((v) => v !== ''),
  };
}

/** The request's form body as parameters (an empty form when there is none). */
export function formOf(request: FastifyRequest): OAuthParams {
  return paramsOf(request.body instanceof URLSearchParams ? request.body : new URLSearchParams());
}

/** The request's query string as parameters. */
export function queryOf(request: FastifyRequest): OAuthParams {
  const i = request.url.indexOf('?');
  return paramsOf(new URLSearchParams(i === -1 ? '' : request.url.slice(i + 1)));
}

/** Answers an RFC 6749 error body (`invalid_client` with a Basic challenge). */
export function sendOAuthError(reply: FastifyReply, err: OAuthError, realm: string): FastifyReply {
  if (err.status === 401 && err.error === 'invalid_client') reply.header('www-authenticate', `Basic realm="${realm}"`);
  if (err.error === 'invalid_token' || err.error === 'insufficient_scope') {
    reply.header(
      'www-authenticate',
      `Bearer realm="${realm}", error="${err.error}", error_description="${err.description.replace(/["\\]/g, '')}"`,
    );
  }
  // The error's own headers last: a DPoP challenge or `DPoP-Nonce` (RFC 9449) replaces the Bearer one.
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).header('cache-control', 'no-store').header('pragma', 'no-cache').send(err.body());
}

/**
 * For the OAuth endpoints' scope: `application/x-www-form-urlencoded` bodies, and every error
 * as an RFC 6749 body (a malformed request is invalid_request, never problem+json).
 */
export function oauthEndpointScope(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, new URLSearchParams(String(body)));
  });
  app.setErrorHandler((err, request, reply) => {
    if (err instanceof OAuthError) return sendOAuthError(reply, err, app.services.config.realm);
    const problem = toGatehouseError(err);
    if (problem.status >= 500) request.log.error({ err: problem.cause ?? err, code: problem.code }, 'oauth request failed');
    const oauth =
      problem.status === 503
        ? new OAuthError('temporarily_unavailable', problem.detail)
        : problem.status >= 500
          ? new OAuthError('server_error', 'The server could not handle the request')
          : problem.status === 429
            ? new OAuthError('invalid_request', problem.detail, 429)
            : new OAuthError('invalid_request', problem.detail, problem.status === 401 ? 400 : problem.status);
    for (const [k, v] of Object.entries(problem.extras.headers ?? {})) reply.header(k, v);
    if (problem.extras.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(problem.extras.retryAfter))));
    return sendOAuthError(reply, oauth, app.services.config.realm);
  });
}
