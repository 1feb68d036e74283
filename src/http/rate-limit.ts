import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../errors/index.ts';
import type { Principal } from '../pipeline/principal.ts';
import type { Decision } from '../ratelimit/gcra.ts';
import { rateLimitHeaders } from '../ratelimit/headers.ts';
import { requestFacts } from './request-facts.ts';

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

/** Counts a protected request against its credential's bucket. */
export async function limitPrincipal(request: FastifyRequest, reply: FastifyReply, principal: Principal): Promise<void> {
  const { limiter } = request.server.services.limits;
  if (!limiter.enabled) return;
  const d = limiter.limitPrincipal(principal, requestFacts(request));
  apply(request, reply, d instanceof Promise ? await d : d);
}

/**
 * Counts a request against its client IP's bucket: public routes, and protected ones whose
 * credential is missing or invalid (so guessing keys or tokens is limited like any anonymous call).
 */
export async function limitClientIp(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { limiter } = request.server.services.limits;
  if (!limiter.enabled) return;
  const d = limiter.limitAnonymous(requestFacts(request));
  apply(request, reply, d instanceof Promise ? await d : d);
}

/** Sets the client IP's rate-limit headers without counting the request. */
async function peekClientIp(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { limiter } = request.server.services.limits;
  if (!limiter.enabled) return;
  const d = limiter.peekAnonymous(requestFacts(request));
  apply(request, reply, d instanceof Promise ? await d : d);
}

/**
 * onRequest hook: public routes and unknown paths count against the client IP's bucket; routes
 * that say `rateLimit: false` (probes, metrics, discovery) are not counted but still carry the
 * bucket's headers. Protected routes are limited in `requireAuth`.
 */
export async function limitAnonymous(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.is404) return limitClientIp(request, reply);
  const config = request.routeOptions.config;
  if (config?.protected !== false) return;
  if (config.rateLimit === false) return peekClientIp(request, reply);
  await limitClientIp(request, reply);
}
