import type { FastifyInstance, RouteOptions } from 'fastify';

/** Native routes by `METHOD path`, as registered (after the pipeline hooks were arranged). */
export type NativeRoutes = ReadonlyMap<string, RouteOptions>;

/**
 * Remembers every route registered from now on, so compatibility aliases can reuse a native
 * route's handler, hooks and schemas instead of copying them. Call before the routes register.
 */
export function captureRoutes(app: FastifyInstance): NativeRoutes {
  const routes = new Map<string, RouteOptions>();
  app.addHook('onRoute', (route) => {
    if (route.config?.compatAlias === true) return;
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      if (method !== 'HEAD') routes.set(`${method} ${route.url}`, route);
    }
  });
  return routes;
}
