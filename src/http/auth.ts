import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { authorize, type Requirement } from '../authorization/index.ts';
import { GatehouseError } from '../errors/index.ts';
import type { Principal } from '../pipeline/principal.ts';

/** The request's query string, without `?`. */
function rawQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? '' : url.slice(i + 1);
}

/**
 * preHandler that runs the pipeline (extract → verify → Principal) and then the route's
 * requirement. Routes read `request.principal` afterwards.
 *
 * @example
 * app.get('/v1/auth/me', { preHandler: requireAuth() }, handler)
 */
export function requireAuth(need: Omit<Requirement, 'organizationId' | 'memorySpace'> = {}): preHandlerAsyncHookHandler {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply) {
    const principal = await request.server.services.authenticator.authenticate({
      headers: request.headers,
      rawHeaders: request.raw.rawHeaders,
      query: rawQuery(request.url),
      ip: request.ip,
    });
    request.principal = principal;
    authorize(principal, need);
  };
}

/** The authenticated principal of a protected route (throws if the route forgot `requireAuth`). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new GatehouseError('credentials_missing');
  return request.principal;
}
