import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { assertMemorySpace, authorize, type Requirement } from '../authorization/index.ts';
import { GatehouseError } from '../errors/index.ts';
import { assertSpaceName } from '../identity/normalize.ts';
import type { SenderFacts } from '../pipeline/index.ts';
import type { Principal } from '../pipeline/principal.ts';
import { presentedCertificate } from './client-certificate.ts';
import { limitClientIp, limitPrincipal } from './rate-limit.ts';
import { routeOf } from './route-facts.ts';

/** The request's query string, without `?`. */
function rawQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? '' : url.slice(i + 1);
}

/** The `resource` query parameter on routes that take one (`config.resourceParam`). */
export function requestedResource(request: FastifyRequest): string | undefined {
  if (routeOf(request).config?.resourceParam !== true) return undefined;
  const value = (request.query as Record<string, unknown> | undefined)?.resource;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The request as DPoP and mTLS see it. The decision API (`senderTarget: 'forwarded'`) checks the
 * forwarded request named by `X-Original-Method` and `X-Original-URL` (absolute) when sent; every
 * other route checks itself, at `publicUrl` + path. (The pipeline runs before the body is read.)
 */
function senderFacts(request: FastifyRequest): SenderFacts {
  const h = request.headers;
  const forwarded = routeOf(request).config?.senderTarget === 'forwarded' && typeof h['x-original-url'] === 'string';
  const url = forwarded ? String(h['x-original-url']) : `${request.server.services.config.publicUrl}${request.url.split('?', 1)[0] ?? '/'}`;
  const method = forwarded && typeof h['x-original-method'] === 'string' ? h['x-original-method'].toUpperCase() : request.method;
  return { method, url, proof: h.dpop, certificateThumbprint: presentedCertificate(request)?.thumbprint };
}

/**
 * preHandler that runs the pipeline: extract → verify → Principal → rate-limit → authorize.
 * Routes read `request.principal` afterwards. The limit is counted before authorization, so a
 * caller cannot probe for scopes it lacks at an unlimited rate; a missing or invalid credential
 * counts against the client IP, like any anonymous request.
 *
 * @example
 * app.get('/v1/auth/me', { preHandler: requireAuth() }, handler)
 */
export function requireAuth(need: Omit<Requirement, 'organizationId' | 'memorySpace'> = {}): preHandlerAsyncHookHandler {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    const { authenticator, metrics } = request.server.services;
    const started = process.hrtime.bigint();
    let principal: Principal;
    const resource = requestedResource(request);
    try {
      principal = await authenticator.authenticate({
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        query: rawQuery(request.url),
        ip: request.ip,
        ...(resource !== undefined ? { audience: resource } : {}),
        // Bound, not an arrow: tsx names every arrow created per request (`__name`), a visible cost here.
        sender: senderFacts.bind(null, request),
      });
    } catch (err) {
      const outcome = err instanceof GatehouseError ? err.error : 'error';
      metrics.authDecisions.inc({ kind: outcome === 'credentials_missing' ? 'none' : 'unverified', outcome });
      const limited = limitClientIp(request, reply);
      if (limited) await limited;
      throw err;
    }
    metrics.verifyDuration.observeAt(Number(process.hrtime.bigint() - started) / 1e9, principal.kind);
    request.principal = principal;
    const limited = limitPrincipal(request, reply, principal);
    if (limited) await limited;
    try {
      authorize(principal, need);
      // A request may name its memory space in a header on any route: a malformed name is a 400,
      // one outside the credential's set a 403.
      const space = request.headers['x-memory-space'];
      if (typeof space === 'string' && space !== '') assertMemorySpace(principal, assertSpaceName(space, 'X-Memory-Space'));
    } catch (err) {
      metrics.authDecisions.inc({ kind: principal.kind, outcome: err instanceof GatehouseError ? err.error : 'error' });
      throw err;
    }
    metrics.authDecisions.incAt(principal.kind, 'allowed');
  };
}

/** The authenticated principal of a protected route (throws if the route forgot `requireAuth`). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new GatehouseError('credentials_missing');
  return request.principal;
}
