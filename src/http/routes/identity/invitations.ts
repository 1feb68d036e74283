import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertPasswordAllowed } from '../../../credentials/password-policy.ts';
import { assertPasswordAcceptable, hashPassword } from '../../../credentials/passwords.ts';
import { GatehouseError } from '../../../errors/index.ts';
import {
  acceptInvitation,
  findOpenInvitation,
  INVITATION_SHAPE,
  listInvitations,
  renderInvitation,
  revokeInvitation,
} from '../../../identity/invitations.ts';
import { inviteByEmail } from '../../../identity/invite.ts';
import { addMembership } from '../../../identity/memberships.ts';
import { normalizeEmail } from '../../../identity/normalize.ts';
import { getOrganizationById } from '../../../identity/organizations.ts';
import type { Role } from '../../../identity/tables.ts';
import { createUser, findUserByIdentifier, getUser } from '../../../identity/users.ts';
import { keyedHash } from '../../../lib/secure.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import { requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { actorOf, checkCursor, organizationFor, page } from './context.ts';
import {
  createdInvitationSchema,
  displayName,
  email,
  invitationSchema,
  orgParams,
  pageQuery,
  password,
  role,
  tokenSchema,
  username,
} from './schemas.ts';

interface AcceptBody {
  token: string;
  password?: string;
  name?: string;
  username?: string;
}

/** Invitations: owners and admins invite by email; the one-time token is accepted exactly once. */
export default async function invitationRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.storage.db;
  const hash = (token: string) => keyedHash(services.secrets.pepper, token);

  app.post<{ Params: { org: string }; Body: { email: string; role: Role } }>(
    '/v1/organizations/:org/invitations',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['invitations'],
        summary: 'Invite someone by email; answers a one-time token (shown once), valid for 7 days',
        params: orgParams,
        body: { type: 'object', additionalProperties: false, required: ['email', 'role'], properties: { email, role } },
        response: { 201: createdInvitationSchema },
      },
    },
    async (request, reply) => {
      const { org, principal } = await organizationFor(request, { scopes: ['invitations:write'], minimumRole: 'admin' });
      const { row, token } = await inviteByEmail(services, {
        organizationId: org.id,
        email: request.body.email,
        role: request.body.role,
        by: { role: principal.role ?? null, userId: principal.userId ?? null, actor: actorOf(principal) },
        via: 'invitations',
        facts: requestFacts(request),
      });
      reply.code(201);
      return { ...renderInvitation(row, services.clock.now()), token };
    },
  );

  app.get<{ Params: { org: string }; Querystring: { limit: number; cursor?: string } }>(
    '/v1/organizations/:org/invitations',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['invitations'],
        summary: 'List invitations (never their tokens)',
        params: orgParams,
        querystring: pageQuery,
        response: {
          200: {
            type: 'object',
            properties: { data: { type: 'array', items: invitationSchema }, next_cursor: { type: ['string', 'null'] } },
          },
        },
      },
    },
    async (request) => {
      const { org } = await organizationFor(request, { scopes: ['invitations:read'], minimumRole: 'admin' });
      const now = services.clock.now();
      const result = page(await listInvitations(db, org.id, request.query.limit, checkCursor(request.query.cursor)), request.query.limit);
      return { data: result.data.map((r) => renderInvitation(r, now)), next_cursor: result.next_cursor };
    },
  );

  app.delete<{ Params: { org: string; id: string } }>(
    '/v1/organizations/:org/invitations/:id',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['invitations'],
        summary: 'Revoke a pending invitation',
        params: {
          type: 'object',
          required: ['org', 'id'],
          properties: { ...orgParams.properties, id: { type: 'string', maxLength: 100 } },
        },
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const { org, principal } = await organizationFor(request, { scopes: ['invitations:write'], minimumRole: 'admin' });
      if (!(await revokeInvitation(db, org.id, request.params.id, services.clock.now())))
        throw new GatehouseError('not_found', 'Invitation not found');
      services.audit.record({
        action: 'invitation.revoked',
        outcome: 'success',
        organizationId: org.id,
        actor: actorOf(principal),
        target: { type: 'invitation', id: request.params.id },
        ...requestFacts(request),
      });
      reply.code(204);
    },
  );

  /** The session presented with an acceptance, if any (accepting as an existing user). */
  async function optionalPrincipal(request: FastifyRequest): Promise<Principal | undefined> {
    if (request.headers.authorization === undefined) return undefined;
    return services.authenticator.authenticate({ headers: request.headers, rawHeaders: request.raw.rawHeaders, ip: request.ip });
  }

  app.post<{ Body: AcceptBody }>(
    '/v1/invitations/accept',
    {
      config: { protected: false },
      schema: {
        tags: ['invitations'],
        summary: "Accept an invitation: a new user sets a password; an existing user sends their session's Bearer token",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['token'],
          properties: { token: { type: 'string', minLength: 1, maxLength: 256 }, password, name: displayName, username },
        },
        response: {
          200: {
            type: 'object',
            properties: { organization_id: { type: 'string' }, user_id: { type: 'string' }, role, tokens: tokenSchema },
          },
        },
      },
    },
    async (request) => {
      const { token } = request.body;
      const client = requestFacts(request);
      await services.limits.guard.assertAllowed('invitation', { ip: client.ip });
      const now = services.clock.now();
      const invitation = INVITATION_SHAPE.test(token) ? await findOpenInvitation(db, hash(token), now) : undefined;
      if (!invitation) {
        await services.limits.guard.recordFailure('invitation', { ip: client.ip });
        throw new GatehouseError('invitation_invalid');
      }
      const principal = await optionalPrincipal(request);
      const existing = await findUserByIdentifier(db, { email: invitation.email });
      if (existing && principal?.userId !== existing.id) {
        // A concurrent acceptance creates the user and consumes the invitation in one transaction:
        // if that is what made the account, this one lost the race and the token is spent.
        if (!(await findOpenInvitation(db, hash(token), now))) throw new GatehouseError('invitation_invalid');
        throw new GatehouseError('credentials_missing', 'This email has an account: accept while logged in as that user');
      }
      if (!existing && principal?.userId !== undefined) {
        const caller = await getUser(db, principal.userId);
        if (normalizeEmail(caller.email) !== invitation.email)
          throw new GatehouseError('invitation_invalid', 'The invitation is for another email address');
      }
      if (!existing && request.body.password === undefined)
        throw new GatehouseError('validation_failed', 'body/password is required for a new account');
      if (request.body.password !== undefined) assertPasswordAcceptable(request.body.password);
      if (!existing && request.body.password !== undefined) {
        const org = await getOrganizationById(db, invitation.organization_id);
        await assertPasswordAllowed(request.body.password, {
          email: invitation.email,
          username: request.body.username,
          name: request.body.name,
          organizationName: org.name,
          organizationSlug: org.slug,
        });
      }
      const passwordHash = existing ? undefined : await hashPassword(request.body.password ?? '');
      const userId = await services.storage.transaction(async (trx) => {
        const user =
          existing ??
          (await createUser(
            trx,
            {
              email: invitation.email,
              username: request.body.username,
              displayName: request.body.name ?? invitation.email.split('@')[0] ?? 'user',
              passwordHash: passwordHash ?? '',
            },
            now,
          ));
        if (!(await acceptInvitation(trx, invitation.id, user.id, now))) throw new GatehouseError('invitation_invalid');
        await addMembership(trx, invitation.organization_id, user.id, invitation.role, now);
        return user.id;
      });
      await services.limits.guard.recordSuccess('invitation', { ip: client.ip });
      // A standing cached as "no member" (a key of a user removed and now invited back) is stale.
      services.bus.publish('membership', `${invitation.organization_id}:${userId}`);
      services.audit.record({
        action: 'invitation.accepted',
        outcome: 'success',
        organizationId: invitation.organization_id,
        actor: { type: 'user', id: userId },
        target: { type: 'invitation', id: invitation.id },
        ip: client.ip,
        requestId: String(request.id),
        details: { role: invitation.role },
      });
      // The membership exists from here on, and only by the person's own acceptance.
      services.audit.record({
        action: 'membership.added',
        outcome: 'success',
        organizationId: invitation.organization_id,
        actor: { type: 'user', id: userId },
        target: { type: 'user', id: userId },
        ...client,
        details: { role: invitation.role, invitation_id: invitation.id, invited_by: invitation.invited_by },
      });
      const { session_id: _, ...tokens } = await services.sessions.start({
        userId,
        organizationId: invitation.organization_id,
        role: invitation.role,
        ...client,
      });
      return { organization_id: invitation.organization_id, user_id: userId, role: invitation.role, tokens };
    },
  );
}
