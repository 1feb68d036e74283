import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { newId } from '../../../lib/ids.ts';
import {
  deleteResource,
  findResource,
  findResourceByIdentifier,
  insertResource,
  listResources,
  updateResource,
} from '../../../oauth/records/resources.ts';
import { resourceMetadataUrl } from '../../../oauth/resource-metadata-url.ts';
import { checkResourceIdentifier, checkResourceScopes } from '../../../oauth/resources.ts';
import type { OAuthResourceRow } from '../../../oauth/tables.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { actorOf, checkCursor, page } from '../identity/context.ts';

type IdReq = FastifyRequest<{ Params: { id: string } }>;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const scopes = { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 200 } } as const;
const resourceSchema = { type: 'object', additionalProperties: true } as const;

/** `/v1/oauth/resources`: the organization's APIs and MCP servers that tokens may name in `aud`. */
export default async function resourceRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.storage.db;
  const render = (r: OAuthResourceRow) => ({
    id: r.id,
    organization_id: r.organization_id,
    identifier: r.identifier,
    name: r.name,
    scopes: JSON.parse(r.scopes) as string[],
    metadata_url: resourceMetadataUrl(services.config.publicUrl, r.identifier),
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  });

  async function resourceFor(request: IdReq): Promise<{ principal: Principal; row: OAuthResourceRow }> {
    const principal = principalOf(request);
    const row = await findResource(db, request.params.id, principal.organizationId);
    if (!row) throw new GatehouseError('not_found', 'Resource not found');
    return { principal, row };
  }

  function audit(action: string, principal: Principal, id: string, request: FastifyRequest) {
    services.audit.record({
      action,
      outcome: 'success',
      organizationId: principal.organizationId,
      actor: actorOf(principal),
      target: { type: 'oauth_resource', id },
      ...requestFacts(request),
    });
  }

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/oauth/resources',
    {
      preHandler: requireAuth({ scopes: ['resources:read'] }),
      schema: {
        tags: ['oauth'],
        summary: "List the organization's registered resources",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 }, cursor: { type: 'string', maxLength: 100 } },
        },
        response: {
          200: {
            type: 'object',
            properties: { data: { type: 'array', items: resourceSchema }, next_cursor: { type: ['string', 'null'] } },
          },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const rows = await listResources(db, principal.organizationId, request.query.limit, checkCursor(request.query.cursor));
      const result = page(rows, request.query.limit);
      return { data: result.data.map(render), next_cursor: result.next_cursor };
    },
  );

  app.post<{ Body: { identifier: string; name?: string; scopes?: string[] } }>(
    '/v1/oauth/resources',
    {
      preHandler: requireAuth({ scopes: ['resources:write'], minimumRole: 'admin' }),
      schema: {
        tags: ['oauth'],
        summary: 'Register a resource (an API or MCP server) by its identifier URL and the scopes it accepts',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['identifier'],
          properties: {
            identifier: { type: 'string', minLength: 8, maxLength: 500 },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            scopes,
          },
        },
        response: { 201: resourceSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const identifier = checkResourceIdentifier(request.body.identifier);
      if (await findResourceByIdentifier(db, [identifier])) throw new GatehouseError('oauth_resource_conflict');
      const now = services.clock.now();
      const row: OAuthResourceRow = {
        id: newId('res', now),
        organization_id: principal.organizationId,
        identifier,
        name: request.body.name ?? identifier,
        scopes: JSON.stringify(checkResourceScopes(request.body.scopes ?? [])),
        created_at: now,
        updated_at: now,
      };
      try {
        await insertResource(db, row);
      } catch (err) {
        if (await findResourceByIdentifier(db, [identifier])) throw new GatehouseError('oauth_resource_conflict');
        throw err;
      }
      audit('oauth.resource.created', principal, row.id, request);
      reply.code(201);
      return render(row);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/oauth/resources/:id',
    {
      preHandler: requireAuth({ scopes: ['resources:read'] }),
      schema: { tags: ['oauth'], summary: 'Get a resource', params: idParams, response: { 200: resourceSchema } },
    },
    async (request) => render((await resourceFor(request)).row),
  );

  app.patch<{ Params: { id: string }; Body: { name?: string; scopes?: string[] } }>(
    '/v1/oauth/resources/:id',
    {
      preHandler: requireAuth({ scopes: ['resources:write'], minimumRole: 'admin' }),
      schema: {
        tags: ['oauth'],
        summary: 'Rename a resource or change the scopes it accepts',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, scopes },
        },
        response: { 200: resourceSchema },
      },
    },
    async (request) => {
      const { principal, row } = await resourceFor(request);
      const set = {
        ...(request.body.name !== undefined ? { name: request.body.name } : {}),
        ...(request.body.scopes !== undefined ? { scopes: JSON.stringify(checkResourceScopes(request.body.scopes)) } : {}),
        updated_at: services.clock.now(),
      };
      await updateResource(db, row.id, row.organization_id, set);
      audit('oauth.resource.updated', principal, row.id, request);
      return render({ ...row, ...set });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/oauth/resources/:id',
    {
      preHandler: requireAuth({ scopes: ['resources:write'], minimumRole: 'admin' }),
      schema: {
        tags: ['oauth'],
        summary: 'Delete a resource (no new tokens name it)',
        params: idParams,
        response: { 200: resourceSchema },
      },
    },
    async (request) => {
      const { principal, row } = await resourceFor(request);
      await deleteResource(db, row.id, row.organization_id);
      audit('oauth.resource.deleted', principal, row.id, request);
      return render(row);
    },
  );
}
