import type { FastifyInstance, RouteOptions } from 'fastify';

/** A route that runs the authentication pipeline. */
export interface ProtectedRoute {
  readonly method: string;
  readonly url: string;
}

type Hook = NonNullable<RouteOptions['onRequest']>;

function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const isPipeline = (h: unknown): boolean => typeof h === 'function' && h.name === 'authenticate';

/**
 * Finds every route guarded by `requireAuth` and:
 * - moves the pipeline to `onRequest`, so a caller is authenticated (and rate-limited) before its
 *   body is read or validated — an anonymous caller learns nothing about a route's schema;
 * - documents the route's security requirement in OpenAPI;
 * - lists it: the security-matrix test walks this list, so no protected route escapes it.
 */
export function collectProtectedRoutes(app: FastifyInstance): ProtectedRoute[] {
  const found: ProtectedRoute[] = [];
  app.addHook('onRoute', (route) => {
    const pre = asList(route.preHandler);
    const onRequest = asList(route.onRequest as Hook | Hook[] | undefined);
    const auth = [...pre, ...onRequest].filter(isPipeline);
    if (auth.length === 0) return;
    route.preHandler = pre.filter((h) => !isPipeline(h));
    route.onRequest = [...auth, ...onRequest.filter((h) => !isPipeline(h))] as Hook;
    for (const method of asList(route.method)) if (method !== 'HEAD') found.push({ method, url: route.url });
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema.security === undefined) schema.security = [{ bearer: [] }, { apiKey: [] }];
    route.schema = schema;
  });
  return found;
}
