import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ALIASES, type Alias } from './aliases.ts';
import type { NativeRoutes } from './capture.ts';

type Hook = (request: FastifyRequest, reply: FastifyReply, payload: unknown) => Promise<unknown>;

function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The native route's schema, marked as a deprecated alias in OpenAPI, with any reshaped response. */
function aliasSchema(alias: Alias, native: RouteOptions): Record<string, unknown> {
  const schema = { ...((native.schema ?? {}) as Record<string, unknown>) };
  if (alias.params) delete schema.params;
  const response = { ...((schema.response ?? {}) as Record<string, unknown>) };
  if (alias.response) {
    const base = (response[alias.response.status] ?? {}) as { properties?: Record<string, unknown> };
    response[alias.response.status] = { type: 'object', properties: { ...base.properties, ...alias.response.properties } };
  }
  return {
    ...schema,
    ...(Object.keys(response).length > 0 ? { response } : {}),
    tags: ['compatibility'],
    deprecated: true,
    summary: `Compatibility alias of ${alias.method} ${alias.native}`,
    description: `Served for clients written against other systems; use \`${alias.method} ${alias.native}\` (see docs/compatibility.md). ${String(schema.summary ?? '')}`,
  };
}

/**
 * The `/api/v1/…` paths other systems document, each registered as an alias of the native route:
 * the same handler, hooks, validation and limits (and so the same security-matrix checks), with
 * only the path, the OpenAPI entry and, where a page reads a differently shaped answer, that answer.
 */
export function compatRoutes(natives: NativeRoutes) {
  return async function compatAliases(app: FastifyInstance): Promise<void> {
    for (const alias of ALIASES) {
      const native = natives.get(`${alias.method} ${alias.native}`);
      if (!native) throw new Error(`compatibility alias ${alias.path}: no native route ${alias.method} ${alias.native}`);
      const params = alias.params;
      const fillParams = async (request: FastifyRequest) => {
        if (params) request.params = params(request);
      };
      const shape = alias.response;
      const reshape: Hook = async (_request, reply, payload) =>
        shape && reply.statusCode === shape.status && payload !== null && typeof payload === 'object'
          ? shape.transform(payload as Record<string, unknown>)
          : payload;
      app.route({
        ...native,
        method: alias.method,
        url: alias.path,
        config: { ...native.config, compatAlias: true },
        schema: aliasSchema(alias, native),
        preValidation: [...(params ? [fillParams] : []), ...asList(native.preValidation)],
        preSerialization: [...(shape ? [reshape] : []), ...asList(native.preSerialization)],
      } as RouteOptions);
    }
  };
}
