import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type KeyAction, mayActOnKey, missingScopes, roleAtLeast } from '../../../authorization/index.ts';
import { parseSpaces, renderKey } from '../../../credentials/api-keys/render.ts';
import { findKey, listKeys } from '../../../credentials/api-keys/repository.ts';
import { GatehouseError } from '../../../errors/index.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { actorOf, checkCursor, page } from '../identity/context.ts';
import { checkMetadata, checkScopes, checkSpaces } from './checks.ts';
import { createdKeySchema, descriptionSchema, idParams, keySchema, metadataSchema, nameSchema, scopesSchema } from './schemas.ts';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

interface ListQuery {
  limit: number;
  cursor?: string;
  state?: 'active' | 'revoked' | 'expired';
  environment?: 'live' | 'test';
  name?: string;
}

/** List, get, update, revoke and rotate keys of the caller's organization. */
export default async function manageKeyRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.storage.db;

  /**
   * The key, if it is in the caller's organization and the party behind the caller may do `action`
   * to it (src/authorization/keys.ts); else 404, exactly like a missing key.
   */
  async function keyFor(
    request: IdReq,
    action: KeyAction,
  ): Promise<{ principal: Principal; row: NonNullable<Awaited<ReturnType<typeof findKey>>> }> {
    const principal = principalOf(request);
    const row = await findKey(db, principal.organizationId, request.params.id);
    const creatorRole =
      row?.created_by != null && row.created_by !== principal.userId
        ? (await services.parties.standing(row.organization_id, row.created_by))?.role
        : undefined;
    if (!row || !mayActOnKey(principal, action, { createdBy: row.created_by, creatorRole })) {
      throw new GatehouseError('not_found', 'API key not found');
    }
    return { principal, row };
  }

  function audit(action: string, principal: Principal, id: string, request: IdReq, details?: Record<string, number>) {
    services.audit.record({
      action,
      outcome: 'success',
      organizationId: principal.organizationId,
      actor: actorOf(principal),
      target: { type: 'api_key', id },
      ...requestFacts(request),
      ...(details ? { details } : {}),
    });
  }

  app.get<{ Querystring: ListQuery }>(
    '/v1/api-keys',
    {
      preHandler: requireAuth({ scopes: ['keys:read'] }),
      schema: {
        tags: ['api keys'],
        summary: "List the organization's keys (masked)",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
            cursor: { type: 'string', maxLength: 100 },
            state: { type: 'string', enum: ['active', 'revoked', 'expired'] },
            environment: { type: 'string', enum: ['live', 'test'] },
            name: { type: 'string', maxLength: 200, description: 'Name prefix' },
          },
        },
        response: {
          200: { type: 'object', properties: { data: { type: 'array', items: keySchema }, next_cursor: { type: ['string', 'null'] } } },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const now = services.clock.now();
      const rows = await listKeys(
        db,
        {
          organizationId: principal.organizationId,
          now,
          ...(q.state ? { state: q.state } : {}),
          ...(q.environment ? { environment: q.environment } : {}),
          ...(q.name ? { namePrefix: q.name } : {}),
          // Below admin, a user (through any credential) sees only the keys they made.
          ...(principal.userId !== undefined && !roleAtLeast(principal.role, 'admin') ? { createdBy: principal.userId } : {}),
        },
        q.limit,
        checkCursor(q.cursor),
      );
      const result = page(rows, q.limit);
      return { data: result.data.map((r) => renderKey(r, now)), next_cursor: result.next_cursor };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/api-keys/:id',
    {
      preHandler: requireAuth({ scopes: ['keys:read'] }),
      schema: { tags: ['api keys'], summary: 'Get a key (masked)', params: idParams, response: { 200: keySchema } },
    },
    async (request) => renderKey((await keyFor(request, 'view')).row, services.clock.now()),
  );

  app.patch<{
    Params: { id: string };
    Body: { name?: string; description?: string; metadata?: Record<string, unknown>; scopes?: string[] };
  }>(
    '/v1/api-keys/:id',
    {
      preHandler: requireAuth({ scopes: ['keys:write'] }),
      schema: {
        tags: ['api keys'],
        summary: 'Rename, describe, set metadata, or narrow the scopes of a key',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: nameSchema,
            description: descriptionSchema,
            metadata: metadataSchema,
            scopes: scopesSchema,
          },
        },
        response: { 200: keySchema },
      },
    },
    async (request) => {
      const { principal, row } = await keyFor(request, 'change');
      const b = request.body;
      if (b.scopes !== undefined) {
        checkScopes(principal, b.scopes);
        const current = JSON.parse(row.scopes) as string[];
        const wider = missingScopes(current, b.scopes);
        if (wider.length > 0)
          throw new GatehouseError('scope_escalation', `A key's scopes can only narrow: ${wider.join(' ')}`, { scope: wider.join(' ') });
      }
      checkMetadata(b.metadata);
      const updated = await services.apiKeys.update(principal.organizationId, row.id, b);
      audit('api_key.updated', principal, row.id, request);
      return renderKey(updated, services.clock.now());
    },
  );

  const revokeHandler = async (request: IdReq) => {
    const { principal, row } = await keyFor(request, 'change');
    const revoked = await services.apiKeys.revoke(principal.organizationId, row.id);
    audit('api_key.revoked', principal, row.id, request);
    return renderKey(revoked, services.clock.now());
  };
  const revokeSchema = { tags: ['api keys'], params: idParams, response: { 200: keySchema } };
  app.delete<{ Params: { id: string } }>(
    '/v1/api-keys/:id',
    {
      preHandler: requireAuth({ scopes: ['keys:write'] }),
      schema: { ...revokeSchema, summary: 'Revoke a key (it stops working at once)' },
    },
    revokeHandler,
  );
  app.post<{ Params: { id: string } }>(
    '/v1/api-keys/:id/revoke',
    { preHandler: requireAuth({ scopes: ['keys:write'] }), schema: { ...revokeSchema, summary: 'Revoke a key (same as DELETE)' } },
    revokeHandler,
  );

  app.post<{ Params: { id: string }; Body: { grace_period_seconds?: number } }>(
    '/v1/api-keys/:id/rotate',
    {
      preHandler: requireAuth({ scopes: ['keys:write'] }),
      schema: {
        tags: ['api keys'],
        summary:
          'Rotate: a new key with the same scopes, spaces, limits, expiry and metadata; the old one works until the grace period ends',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { grace_period_seconds: { type: 'integer', minimum: 0, maximum: 30 * 86_400, default: 0 } },
        },
        response: { 201: createdKeySchema },
      },
    },
    async (request, reply) => {
      const { principal, row } = await keyFor(request, 'rotate');
      // The successor is a new secret with the key's scopes and spaces: the caller must hold them all.
      checkScopes(principal, JSON.parse(row.scopes) as string[]);
      await checkSpaces(db, principal, parseSpaces(row.memory_spaces));
      const grace = request.body.grace_period_seconds ?? 0;
      const { row: next, key } = await services.apiKeys.rotate(principal.organizationId, row.id, grace);
      audit('api_key.rotated', principal, row.id, request, { grace_period_seconds: grace });
      reply.code(201);
      return { ...renderKey(next, services.clock.now()), key };
    },
  );
}
