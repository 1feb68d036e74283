import type { FastifyInstance, RouteOptions } from 'fastify';
import { GatehouseError } from '../errors/index.ts';

/** Remembers which methods each route path answers, to tell 405 from 404. */
export function trackRoutes(app: FastifyInstance): (path: string) => string[] {
  const routes: { pattern: RegExp; methods: Set<string> }[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url.includes('*')) return;
    const source = route.url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '[^/]+');
    const pattern = new RegExp(`^${source}/?$`);
    let entry = routes.find((r) => r.pattern.source === pattern.source);
    if (!entry) {
      entry = { pattern, methods: new Set() };
      routes.push(entry);
    }
    for (const m of Array.isArray(route.method) ? route.method : [route.method]) entry.methods.add(m);
  });
  return (path) => {
    const methods = new Set<string>();
    for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
    return [...methods].sort();
  };
}

/** 404 for unknown paths, 405 (with `Allow`) for known paths and the wrong method. */
export function notFoundError(methodsFor: (path: string) => string[], url: string): GatehouseError {
  const path = url.split('?')[0] ?? url;
  const allowed = methodsFor(path);
  if (allowed.length > 0) return new GatehouseError('method_not_allowed', undefined, { headers: { allow: allowed.join(', ') } });
  return new GatehouseError('route_not_found', `No route for ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`);
}
