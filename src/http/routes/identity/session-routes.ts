import type { FastifyInstance } from 'fastify';
import { logout } from '../../../credentials/logout.ts';
import { assertPasswordAllowed } from '../../../credentials/password-policy.ts';
import { assertPasswordAcceptable, hashPassword, verifyPassword } from '../../../credentials/passwords.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { membershipsOfUser } from '../../../identity/memberships.ts';
import { getOrganizationById } from '../../../identity/organizations.ts';
import { getUser, renderUser, setPasswordHash } from '../../../identity/users.ts';
import { ownSessionUser } from '../../../pipeline/principal.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { renderPrincipal } from '../decision/render.ts';
import { actorOf } from './context.ts';
import { renderOrganization } from './register.ts';
import { organizationSchema, password, tokenSchema, userSchema } from './schemas.ts';

const refreshBody = {
  type: 'object',
  additionalProperties: false,
  required: ['refresh_token'],
  properties: { refresh_token: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;

/** Refresh, logout, me and password change. */
export default async function sessionRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;

  app.post<{ Body: { refresh_token: string } }>(
    '/v1/auth/refresh',
    {
      config: { protected: false },
      schema: {
        tags: ['identity'],
        summary: 'Rotate a refresh token: answers new tokens; a reused token ends the whole session',
        description:
          'Each refresh token works once. Concurrent refreshes with the same token (two tabs, two workers): one wins; the others get `409` `ERR-3050` (use the newest token) and nothing is revoked, as long as they come within `refreshReuseLeeway` seconds (default 10) of the rotation and before its successor is used. A rotated token presented later is reuse (`401` `ERR-3003`): the whole session ends.',
        body: refreshBody,
        response: { 200: tokenSchema },
      },
    },
    async (request) => services.sessions.refresh(request.body.refresh_token, requestFacts(request)),
  );

  app.post<{ Body: { refresh_token?: string } | undefined }>(
    '/v1/auth/logout',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['identity'],
        summary:
          "End the caller's session, and the session a given refresh token belongs to when it is the same user's; a refresh token that is not the caller's is refused",
        body: { type: 'object', additionalProperties: false, properties: { refresh_token: { type: 'string', maxLength: 512 } } },
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const facts = requestFacts(request);
      const actor = actorOf(principal);
      const { ended, refusal } = await logout(services, principal, request.body?.refresh_token, {
        actor,
        ip: facts.ip,
        requestId: facts.requestId,
      });
      for (const sessionId of ended) {
        services.audit.record({
          action: 'auth.logout',
          outcome: 'success',
          organizationId: principal.organizationId,
          actor,
          target: { type: 'session', id: sessionId },
          ...facts,
        });
      }
      if (refusal) throw refusal;
      reply.code(204);
    },
  );

  app.get(
    '/v1/auth/me',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['identity'],
        summary: 'Who am I: the caller, its organization, role, scopes and memberships',
        response: {
          200: {
            type: 'object',
            properties: {
              user: { ...userSchema, type: ['object', 'null'] },
              organization: organizationSchema,
              role: { type: ['string', 'null'] },
              scopes: { type: 'array', items: { type: 'string' } },
              principal: { type: 'object', additionalProperties: true },
              memberships: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    organization_id: { type: 'string' },
                    slug: { type: 'string' },
                    name: { type: 'string' },
                    role: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const db = services.storage.db;
      const organization = renderOrganization(await getOrganizationById(db, principal.organizationId));
      const user = principal.kind === 'user' && principal.userId ? await getUser(db, principal.userId) : undefined;
      const memberships = user ? await membershipsOfUser(db, user.id) : [];
      return {
        user: user ? renderUser(user) : null,
        organization,
        role: principal.role,
        scopes: principal.scopes,
        principal: renderPrincipal(principal),
        memberships: memberships.map((m) => ({ organization_id: m.organization_id, slug: m.slug, name: m.name, role: m.role })),
      };
    },
  );

  app.post<{ Body: { current_password: string; new_password: string } }>(
    '/v1/auth/password',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['identity'],
        summary: 'Change the password; every other session of the user ends',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['current_password', 'new_password'],
          properties: { current_password: { type: 'string', minLength: 1, maxLength: 1024 }, new_password: password },
        },
        response: { 200: { type: 'object', properties: { password_changed: { type: 'boolean' }, sessions_revoked: { type: 'integer' } } } },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      // The user's own login session: a token issued to an OAuth client never changes how the user signs in.
      const userId = ownSessionUser(principal);
      if (userId === undefined) throw new GatehouseError('user_session_required', "Only the user's own session can change its password");
      const { current_password, new_password } = request.body;
      assertPasswordAcceptable(new_password);
      const keys = { account: userId, ip: request.ip };
      await services.limits.guard.assertAllowed('password_change', keys);
      const user = await getUser(services.storage.db, userId);
      if (!(await verifyPassword(user.password_hash, current_password))) {
        await services.limits.guard.recordFailure('password_change', keys);
        throw new GatehouseError('wrong_current_password');
      }
      await services.limits.guard.recordSuccess('password_change', keys);
      const org = await getOrganizationById(services.storage.db, principal.organizationId);
      await assertPasswordAllowed(new_password, {
        email: user.email,
        username: user.username,
        name: user.display_name,
        organizationName: org.name,
        organizationSlug: org.slug,
      });
      await setPasswordHash(services.storage.db, user.id, await hashPassword(new_password), services.clock.now());
      const revoked = await services.sessions.revokeAllForUser(user.id, 'password_changed', {
        ...(principal.sessionId !== undefined ? { except: principal.sessionId } : {}),
        by: { actor: { type: 'user', id: user.id }, ip: request.ip, requestId: String(request.id) },
      });
      services.audit.record({
        action: 'auth.password.changed',
        outcome: 'success',
        organizationId: principal.organizationId,
        actor: { type: 'user', id: user.id },
        target: { type: 'user', id: user.id },
        ...requestFacts(request),
        details: { sessions_revoked: revoked },
      });
      return { password_changed: true, sessions_revoked: revoked };
    },
  );
}
