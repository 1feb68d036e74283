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

/**
 * onRequest hook: public routes count against the client IP's bucket, unless they say
 * `rateLimit: false` (probes, metrics, discovery). Protected routes are limited in `requireAuth`.
 */
export async function limitAnonymous(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const config = request.routeOptions.config;
  if (config?.protected !== false || config.rateLimit === false) return;
  await limitClientIp(request, reply);
}
