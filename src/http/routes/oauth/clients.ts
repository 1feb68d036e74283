import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { validateClientMetadata } from '../../../oauth/clients/metadata.ts';
import { renderClient } from '../../../oauth/clients/render.ts';
import { findClient, listClients } from '../../../oauth/clients/repository.ts';
import { OAuthError } from '../../../oauth/errors.ts';
import type { OAuthClientRow } from '../../../oauth/tables.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { actorOf, checkCursor, page } from '../identity/context.ts';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const clientSchema = { type: 'object', additionalProperties: true } as const;

/** Client metadata problems as the management API's problem (ERR-8001). */
function metadataOf(raw: unknown) {
  try {
    return validateClientMetadata(raw);
  } catch (err) {
    if (err instanceof OAuthError) throw new GatehouseError('oauth_invalid_client_metadata', err.description);
    throw err;
  }
}

/** `/v1/oauth/clients`: the organization's OAuth clients (list, create, get, update, rotate secret, delete). */
export default async function clientRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.storage.db;

  async function clientFor(request: IdReq): Promise<{ principal: Principal; row: OAuthClientRow }> {
    const principal = principalOf(request);
    const row = await findClient(db, request.params.id, principal.organizationId);
    if (!row) throw new GatehouseError('not_found', 'Client not found');
    return { principal, row };
  }

  function audit(action: string, principal: Principal, id: string, request: FastifyRequest) {
    services.audit.record({
      action,
      outcome: 'success',
      organizationId: principal.organizationId,
      actor: actorOf(principal),
      target: { type: 'oauth_client', id },
      ...requestFacts(request),
    });
  }

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/oauth/clients',
    {
      preHandler: requireAuth({ scopes: ['clients:read'] }),
      schema: {
        tags: ['oauth'],
        summary: "List the organization's OAuth clients",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 }, cursor: { type: 'string', maxLength: 100 } },
        },
        response: {
          200: { type: 'object', properties: { data: { type: 'array', items: clientSchema }, next_cursor: { type: ['string', 'null'] } } },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const rows = await listClients(db, principal.organizationId, request.query.limit, checkCursor(request.query.cursor));
      const result = page(rows, request.query.limit);
      return { data: result.data.map(renderClient), next_cursor: result.next_cursor };
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/oauth/clients',
    {
      preHandler: requireAuth({ scopes: ['clients:write'], minimumRole: 'admin', ownCredential: true }),
      schema: {
        tags: ['oauth'],
        summary: 'Create an OAuth client (RFC 7591 metadata); the secret is shown once',
        body: { type: 'object', additionalProperties: true },
        response: { 201: clientSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { row, secret } = await services.oauth.clients.create(
        principal.organizationId,
        metadataOf(request.body),
        principal.userId ?? null,
      );
      audit('oauth.client.created', principal, row.id, request);
      reply.code(201);
      return { ...renderClient(row), ...(secret !== undefined ? { client_secret: secret } : {}) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/oauth/clients/:id',
    {
      preHandler: requireAuth({ scopes: ['clients:read'] }),
      schema: { tags: ['oauth'], summary: 'Get an OAuth client', params: idParams, response: { 200: clientSchema } },
    },
    async (request) => renderClient((await clientFor(request)).row),
  );

  app.patch<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/v1/oauth/clients/:id',
    {
      preHandler: requireAuth({ scopes: ['clients:write'], minimumRole: 'admin', ownCredential: true }),
      schema: {
        tags: ['oauth'],
        summary: 'Update a client: the members given replace the current ones',
        params: idParams,
        body: { type: 'object', additionalProperties: true, minProperties: 1 },
        response: { 200: clientSchema },
      },
    },
    async (request) => {
      const { principal, row } = await clientFor(request);
      const updated = await services.oauth.clients.update(row, metadataOf({ ...renderClient(row), ...request.body }));
      audit('oauth.client.updated', principal, row.id, request);
      return renderClient(updated);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/oauth/clients/:id/rotate-secret',
    {
      preHandler: requireAuth({ scopes: ['clients:write'], minimumRole: 'admin', ownCredential: true }),
      schema: {
        tags: ['oauth'],
        summary: 'Replace the client secret (the old one stops at once); shown once',
        params: idParams,
        response: { 200: clientSchema },
      },
    },
    async (request) => {
      const { principal, row } = await clientFor(request);
      const { row: next, secret } = await services.oauth.clients.rotateSecret(row);
      audit('oauth.client.secret_rotated', principal, row.id, request);
      return { ...renderClient(next), client_secret: secret };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/oauth/clients/:id',
    {
      preHandler: requireAuth({ scopes: ['clients:write'], minimumRole: 'admin' }),
      schema: {
        tags: ['oauth'],
        summary: 'Delete a client: its grants end and its tokens stop working',
        params: idParams,
        response: { 200: clientSchema },
      },
    },
    async (request) => {
      const { principal, row } = await clientFor(request);
      await services.oauth.clients.remove(row);
      audit('oauth.client.deleted', principal, row.id, request);
      return renderClient(row);
    },
  );
}
