import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../errors/index.ts';
import type { Principal } from '../pipeline/principal.ts';
import type { Decision } from '../ratelimit/gcra.ts';
import { rateLimitHeaders } from '../ratelimit/headers.ts';
import { requestFacts } from './request-facts.ts';
import { routeOf } from './route-facts.ts';

/** Sets the decision's headers on the reply; throws 429 (with the same headers) when it refused. */
function apply(request: FastifyRequest, reply: FastifyReply, d: Decision | undefined): void {
  if (d === undefined) return;
  const headers = rateLimitHeaders(d, request.server.services.clock.now());
  reply.headers(headers);
  if (!d.allowed) {
    throw new GatehouseError('rate_limited', `Rate limit of ${d.policy.limit} requests per minute exceeded`, {
      retryAfter: d.retryAfterMs / 1000,
      headers,
    });
  }
}

/**
 * Applies a decision that may still be on its way (Redis): synchronously when it is not, so a
 * limit kept in memory costs no promise.
 */
function settle(
  request: FastifyRequest,
  reply: FastifyReply,
  d: Decision | undefined | Promise<Decision | undefined>,
): void | Promise<void> {
  if (d instanceof Promise) return d.then((decided) => apply(request, reply, decided));
  apply(request, reply, d);
}

/** Counts a protected request against its credential's bucket. */
export function limitPrincipal(request: FastifyRequest, reply: FastifyReply, principal: Principal): void | Promise<void> {
  const { limiter } = request.server.services.limits;
  if (!limiter.enabled) return;
  return settle(request, reply, limiter.limitPrincipal(principal, requestFacts(request)));
}

/**
 * Counts a request against its client IP's bucket: public routes, and protected ones whose
 * credential is missing or invalid (so guessing keys or tokens is limited like any anonymous call).
 */
export function limitClientIp(request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const { limiter } = request.server.services.limits;
  if (!limiter.enabled) return;
  return settle(request, reply, limiter.limitAnonymous(requestFacts(request)));
}

/** Sets the client IP's rate-limit headers without counting the request. */
function peekClientIp(request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  const { limiter } = request.server.services.limits;
  if (!limiter.enabled) return;
  return settle(request, reply, limiter.peekAnonymous(requestFacts(request)));
}

/**
 * onRequest hook: public routes and unknown paths count against the client IP's bucket; routes
 * that say `rateLimit: false` (probes, metrics, discovery) are not counted but still carry the
 * bucket's headers. Protected routes are limited in `requireAuth`. Throws (or rejects) 429.
 */
export function limitAnonymous(request: FastifyRequest, reply: FastifyReply): void | Promise<void> {
  if (request.is404) return limitClientIp(request, reply);
  const config = routeOf(request).config;
  if (config?.protected !== false) return;
  if (config.rateLimit === false) return peekClientIp(request, reply);
  return limitClientIp(request, reply);
}
