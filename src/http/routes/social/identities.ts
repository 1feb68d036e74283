import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { ownSessionUser } from '../../../pipeline/principal.ts';
import { renderIdentity, unlinkIdentity } from '../../../social/accounts.ts';
import { startFlow } from '../../../social/flows.ts';
import { socialProviders } from '../../../social/providers.ts';
import { identitiesOfUser } from '../../../social/records.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { setStateCookie } from './cookie.ts';

const identitySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    provider: { type: 'string' },
    subject: { type: 'string' },
    email: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    last_used_at: { type: 'string' },
  },
} as const;

/** The caller's own user: only a user's session manages their sign-in methods. */
function sessionUser(request: FastifyRequest): string {
  // Only the user's own login session: a token issued to an OAuth client (delegated, exchanged) must
  // never link an account that can then sign in as the user.
  const userId = ownSessionUser(principalOf(request));
  if (userId === undefined) throw new GatehouseError('social_user_required');
  return userId;
}

/** `/v1/users/me/identities`: list, link (through the provider) and unlink the caller's provider accounts. */
export default async function identityRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const providers = socialProviders(services.config);

  app.get(
    '/v1/users/me/identities',
    {
      preHandler: requireAuth({ scopes: ['identities:read'] }),
      schema: {
        tags: ['identity'],
        summary: "The caller's linked sign-in providers, and the providers this server offers",
        response: {
          200: {
            type: 'object',
            properties: {
              data: { type: 'array', items: identitySchema },
              available: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } } },
            },
          },
        },
      },
    },
    async (request) => {
      const userId = sessionUser(request);
      const rows = await identitiesOfUser(services.storage.db, userId);
      return {
        data: rows.map(renderIdentity),
        available: [...providers.values()].map((p) => ({ id: p.config.id, name: p.config.name })),
      };
    },
  );

  app.post<{ Params: { provider: string } }>(
    '/v1/users/me/identities/:provider',
    {
      preHandler: requireAuth({ scopes: ['identities:write'] }),
      schema: {
        tags: ['identity'],
        summary: 'Start linking a provider: answers the URL to open in this browser; the callback answers the linked identity',
        params: { type: 'object', properties: { provider: { type: 'string', maxLength: 32 } } },
        response: { 200: { type: 'object', properties: { authorization_url: { type: 'string' }, expires_in: { type: 'integer' } } } },
      },
    },
    async (request, reply) => {
      const userId = sessionUser(request);
      const provider = providers.get(request.params.provider);
      // Like any object the route names: a provider not configured is a 404 `not_found`.
      if (!provider) throw new GatehouseError('not_found', 'No such sign-in provider is configured');
      const { state, url } = await startFlow(services, provider, 'link', { userId });
      setStateCookie(reply, services.config.publicUrl, state, services.config.socialFlowTtl);
      reply.header('cache-control', 'no-store');
      return { authorization_url: url.href, expires_in: services.config.socialFlowTtl };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/users/me/identities/:id',
    {
      preHandler: requireAuth({ scopes: ['identities:write'] }),
      schema: {
        tags: ['identity'],
        summary: 'Unlink a provider; refused when it is the last way to sign in (no password, no other provider)',
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const userId = sessionUser(request);
      const removed = await unlinkIdentity(services, userId, request.params.id);
      services.audit.record({
        action: 'user.identity.unlinked',
        outcome: 'success',
        organizationId: principalOf(request).organizationId,
        actor: { type: 'user', id: userId },
        target: { type: 'identity', id: removed.id },
        details: { provider: removed.provider },
        ...requestFacts(request),
      });
      reply.code(204);
    },
  );
}
