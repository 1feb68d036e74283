import type { FastifyInstance } from 'fastify';
import { membershipsOfUser } from '../../../identity/memberships.ts';
import { deleteOrganization, getOrganizationById, updateOrganization } from '../../../identity/organizations.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { actorOf, organizationFor } from './context.ts';
import { renderOrganization } from './register.ts';
import { displayName, organizationSchema, orgParams, slug } from './schemas.ts';

type Params = { Params: { org: string } };

/** Organizations the caller belongs to; read, rename and delete one. */
export default async function organizationRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.storage.db;

  app.get(
    '/v1/organizations',
    {
      preHandler: requireAuth({ scopes: ['org:read'] }),
      schema: {
        tags: ['organizations'],
        summary: "The caller's organizations (a key or client sees only its own)",
        response: { 200: { type: 'object', properties: { data: { type: 'array', items: organizationSchema } } } },
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.kind === 'user' && p.userId !== undefined) {
        const ms = await membershipsOfUser(db, p.userId);
        return { data: await Promise.all(ms.map(async (m) => renderOrganization(await getOrganizationById(db, m.organization_id)))) };
      }
      return { data: [renderOrganization(await getOrganizationById(db, p.organizationId))] };
    },
  );

  app.get<Params>(
    '/v1/organizations/:org',
    {
      preHandler: requireAuth(),
      schema: { tags: ['organizations'], summary: 'Get an organization', params: orgParams, response: { 200: organizationSchema } },
    },
    async (request) => renderOrganization((await organizationFor(request, { scopes: ['org:read'] })).org),
  );

  app.patch<Params & { Body: { name?: string; slug?: string; api_key_max_lifetime_days?: number | null } }>(
    '/v1/organizations/:org',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['organizations'],
        summary: 'Rename an organization, change its slug or its API-key lifetime policy (owner or admin)',
        params: orgParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: displayName,
            slug,
            api_key_max_lifetime_days: {
              type: ['integer', 'null'],
              minimum: 1,
              maximum: 3650,
              description: 'Every new key expires within this many days (null lifts the organization policy). Existing keys are unchanged.',
            },
          },
        },
        response: { 200: organizationSchema },
      },
    },
    async (request) => {
      const { org, principal } = await organizationFor(request, { scopes: ['org:write'], minimumRole: 'admin' });
      const updated = await updateOrganization(db, org.id, request.body, services.clock.now());
      services.audit.record({
        action: 'organization.updated',
        outcome: 'success',
        organizationId: org.id,
        actor: actorOf(principal),
        target: { type: 'organization', id: org.id },
        ...requestFacts(request),
      });
      return renderOrganization(updated);
    },
  );

  app.delete<Params>(
    '/v1/organizations/:org',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['organizations'],
        summary: 'Delete an organization and everything in it (owner)',
        params: orgParams,
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const { org, principal } = await organizationFor(request, { scopes: ['org:write'], minimumRole: 'owner' });
      // Everything in it stops at once, on every node: its sessions are revoked (and audited) before
      // the rows go, and its API keys are dropped from the verification caches after.
      const keyIds = (await db.selectFrom('api_keys').select('id').where('organization_id', '=', org.id).execute()).map((k) => k.id);
      await services.sessions.revokeAllInOrganization(org.id, 'organization_deleted', {
        actor: actorOf(principal),
        ...requestFacts(request),
      });
      await deleteOrganization(db, org.id);
      for (const id of keyIds) services.bus.publish('api_key', id);
      services.bus.publish('organization', org.id);
      services.audit.record({
        action: 'organization.deleted',
        outcome: 'success',
        organizationId: org.id,
        actor: actorOf(principal),
        target: { type: 'organization', id: org.id },
        ...requestFacts(request),
      });
      reply.code(204);
    },
  );
}
