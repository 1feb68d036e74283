import type { FastifyContextConfig, FastifyRequest } from 'fastify';

/** What Gatehouse reads of the route a request matched. */
export interface RouteFacts {
  /** The route pattern; undefined when no route matched. */
  readonly url: string | undefined;
  readonly config: FastifyContextConfig | undefined;
}

/**
 * The matched route's pattern and config, read once per request and kept on it. Fastify's
 * `request.routeOptions` builds a new object (and asks the router about version constraints) on
 * every read, and a request read it three to five times: the rate limiter, the `resource`
 * parameter, DPoP, errors and the access log.
 */
export function routeOf(request: FastifyRequest): RouteFacts {
  // Undefined, not null, on the request Fastify makes for a URL its router refuses.
  let facts = request.routeFacts as RouteFacts | null | undefined;
  if (!facts) {
    const options = request.routeOptions;
    facts = { url: options.url, config: options.config };
    request.routeFacts = facts;
  }
  return facts;
}
