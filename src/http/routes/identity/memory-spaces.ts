import type { FastifyInstance } from 'fastify';
import { assertMemorySpace } from '../../../authorization/index.ts';
import { keysBoundToSpace } from '../../../credentials/api-keys/repository.ts';
import { GatehouseError } from '../../../errors/index.ts';
import {
  createMemorySpace,
  deleteMemorySpace,
  findMemorySpace,
  listMemorySpaces,
  renderMemorySpace,
  updateMemorySpace,
} from '../../../identity/memory-spaces.ts';
import type { MemorySpaceRow } from '../../../identity/tables.ts';
import { requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { actorOf, checkCursor, organizationFor, page } from './context.ts';
import { memorySpaceSchema, orgParams, pageQuery, spaceName } from './schemas.ts';

type Params = { Params: { org: string } };
type SpaceParams = { Params: { org: string; space: string } };

const spaceParams = {
  type: 'object',
  required: ['org', 'space'],
  properties: {
    ...orgParams.properties,
    space: { type: 'string', minLength: 1, maxLength: 100, description: 'Space id (`spc_…`) or name' },
  },
} as const;
const description = { type: 'string', maxLength: 1000 } as const;

/** Memory spaces inside an organization (unique name per organization). */
export default async function memorySpaceRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.storage.db;

  async function space(request: Parameters<typeof organizationFor>[0] & { params: { space: string } }, scopes: string[]) {
    const ctx = await organizationFor(request, { scopes, ...(scopes.includes('spaces:write') ? { minimumRole: 'admin' as const } : {}) });
    const found = await findMemorySpace(db, ctx.org.id, request.params.space);
    if (!found) throw new GatehouseError('not_found', 'Memory space not found');
    // The path names the space: one outside the credential's set is a 403.
    assertMemorySpace(ctx.principal, found.name);
    return { ...ctx, space: found };
  }

  /** Keys name their spaces: a rename or delete under them would silently change what they reach. */
  async function assertUnbound(s: MemorySpaceRow): Promise<void> {
    const bound = await keysBoundToSpace(db, s.organization_id, s.name, services.clock.now());
    if (bound.length > 0) {
      throw new GatehouseError(
        'memory_space_in_use',
        `${bound.length} API key(s) are bound to "${s.name}" (${bound.slice(0, 5).join(', ')}); revoke them first`,
      );
    }
  }

  app.get<Params & { Querystring: { limit: number; cursor?: string } }>(
    '/v1/organizations/:org/memory-spaces',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['memory spaces'],
        summary: 'List memory spaces',
        params: orgParams,
        querystring: pageQuery,
        response: {
          200: {
            type: 'object',
            properties: { data: { type: 'array', items: memorySpaceSchema }, next_cursor: { type: ['string', 'null'] } },
          },
        },
      },
    },
    async (request) => {
      const { org, principal } = await organizationFor(request, { scopes: ['spaces:read'] });
      const only = principal.memorySpaces === '*' ? undefined : principal.memorySpaces;
      const rows = await listMemorySpaces(db, org.id, request.query.limit, checkCursor(request.query.cursor), only);
      const result = page(rows, request.query.limit);
      return { data: result.data.map(renderMemorySpace), next_cursor: result.next_cursor };
    },
  );

  app.post<Params & { Body: { name: string; description?: string } }>(
    '/v1/organizations/:org/memory-spaces',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['memory spaces'],
        summary: 'Create a memory space (owner or admin)',
        params: orgParams,
        body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: spaceName, description } },
        response: { 201: memorySpaceSchema },
      },
    },
    async (request, reply) => {
      const { org, principal } = await organizationFor(request, { scopes: ['spaces:write'], minimumRole: 'admin' });
      const created = await createMemorySpace(db, org.id, request.body.name, request.body.description ?? '', services.clock.now());
      services.audit.record({
        action: 'memory_space.created',
        outcome: 'success',
        organizationId: org.id,
        actor: actorOf(principal),
        target: { type: 'memory_space', id: created.id },
        ...requestFacts(request),
      });
      reply.code(201);
      return renderMemorySpace(created);
    },
  );

  app.get<SpaceParams>(
    '/v1/organizations/:org/memory-spaces/:space',
    {
      preHandler: requireAuth(),
      schema: { tags: ['memory spaces'], summary: 'Get a memory space', params: spaceParams, response: { 200: memorySpaceSchema } },
    },
    async (request) => renderMemorySpace((await space(request, ['spaces:read'])).space),
  );

  app.patch<SpaceParams & { Body: { name?: string; description?: string } }>(
    '/v1/organizations/:org/memory-spaces/:space',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['memory spaces'],
        summary: 'Rename or describe a memory space',
        params: spaceParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: spaceName, description } },
        response: { 200: memorySpaceSchema },
      },
    },
    async (request) => {
      const { space: s } = await space(request, ['spaces:write']);
      if (request.body.name !== undefined && request.body.name !== s.name) await assertUnbound(s);
      await updateMemorySpace(db, s.id, request.body, services.clock.now());
      const updated = await findMemorySpace(db, s.organization_id, s.id);
      if (!updated) throw new GatehouseError('not_found', 'Memory space not found');
      return renderMemorySpace(updated);
    },
  );

  app.delete<SpaceParams>(
    '/v1/organizations/:org/memory-spaces/:space',
    {
      preHandler: requireAuth(),
      schema: { tags: ['memory spaces'], summary: 'Delete a memory space', params: spaceParams, response: { 204: { type: 'null' } } },
    },
    async (request, reply) => {
      const { space: s, principal } = await space(request, ['spaces:write']);
      await assertUnbound(s);
      await deleteMemorySpace(db, s.id);
      services.audit.record({
        action: 'memory_space.deleted',
        outcome: 'success',
        organizationId: s.organization_id,
        actor: actorOf(principal),
        target: { type: 'memory_space', id: s.id },
        ...requestFacts(request),
      });
      reply.code(204);
    },
  );
}
