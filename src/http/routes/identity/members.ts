import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { renderInvitation } from '../../../identity/invitations.ts';
import { inviteByEmail } from '../../../identity/invite.ts';
import { countOwners, findMembership, listMembers, removeMembership, setRole } from '../../../identity/memberships.ts';
import type { Role } from '../../../identity/tables.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import type { Services } from '../../../services.ts';
import { requireAuth } from '../../auth.ts';
import { type RequestFacts, requestFacts } from '../../request-facts.ts';
import { actorOf, checkCursor, organizationFor, page } from './context.ts';
import { createdInvitationSchema, email, iso, orgParams, pageQuery, role } from './schemas.ts';

type Params = { Params: { org: string } };
type MemberParams = { Params: { org: string; user_id: string } };

const memberSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    username: { type: ['string', 'null'] },
    name: { type: 'string' },
    role,
    joined_at: { type: 'string', format: 'date-time' },
  },
} as const;

const memberParams = {
  type: 'object',
  required: ['org', 'user_id'],
  properties: { ...orgParams.properties, user_id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

/** Granting, changing or removing the owner role is for owners only. */
function assertMayTouchOwner(principal: Principal, ...roles: Role[]): void {
  if (roles.includes('owner') && principal.role !== 'owner') {
    throw new GatehouseError('insufficient_role', 'Only an owner may grant, change or remove the owner role');
  }
}

/** What an audit event needs from the request: the caller and the request's facts. */
interface Caller extends RequestFacts {
  readonly principal: Principal;
}

const callerOf = (principal: Principal, request: FastifyRequest): Caller => ({ principal, ...requestFacts(request) });

/** `membership.role_changed`, `membership.removed`: target is the member's user id (`membership.added` comes with acceptance). */
function audit(services: Services, orgId: string, caller: Caller, action: string, userId: string, details: Record<string, string>) {
  services.audit.record({
    action,
    outcome: 'success',
    organizationId: orgId,
    actor: actorOf(caller.principal),
    target: { type: 'user', id: userId },
    ip: caller.ip,
    userAgent: caller.userAgent,
    requestId: caller.requestId,
    details,
  });
}

/** Members of an organization. Only owners and admins manage them; the last owner stays. */
export default async function memberRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.storage.db;

  app.get<Params & { Querystring: { limit: number; cursor?: string } }>(
    '/v1/organizations/:org/members',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['members'],
        summary: 'List members',
        params: orgParams,
        querystring: pageQuery,
        response: {
          200: { type: 'object', properties: { data: { type: 'array', items: memberSchema }, next_cursor: { type: ['string', 'null'] } } },
        },
      },
    },
    async (request) => {
      const { org } = await organizationFor(request, { scopes: ['members:read'] });
      const rows = await listMembers(db, org.id, request.query.limit, checkCursor(request.query.cursor));
      const result = page(rows, request.query.limit);
      return {
        data: result.data.map((m) => ({
          id: m.id,
          email: m.email,
          username: m.username,
          name: m.display_name,
          role: m.role,
          joined_at: iso(m.created_at),
        })),
        next_cursor: result.next_cursor,
      };
    },
  );

  app.post<Params & { Body: { email: string; role: Role } }>(
    '/v1/organizations/:org/members',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['members'],
        summary: 'Add someone by email: sends an invitation they must accept (202)',
        description: [
          'Nobody joins an organization without their consent. This creates an invitation, exactly like',
          '`POST /v1/organizations/{org}/invitations`, and answers **202** with it and its one-time `token`',
          '(shown once): hand the token to the person; they accept with `POST /v1/invitations/accept` (an',
          'existing user with their own session, a new one by choosing a password). They are a member from',
          'then on. The answer is the same whether or not the email is registered on this server.',
          '',
          'Changed: this route used to add an existing user at once (201 with the member) and answer 404',
          'for an unknown email, which both bypassed consent and told anyone who registered an organization',
          'whether an email had an account. `409 already_member` remains for current members.',
        ].join('\n'),
        params: orgParams,
        body: { type: 'object', additionalProperties: false, required: ['email', 'role'], properties: { email, role } },
        response: { 202: createdInvitationSchema },
      },
    },
    async (request, reply) => {
      const { org, principal } = await organizationFor(request, { scopes: ['members:write'], minimumRole: 'admin' });
      const { row, token } = await inviteByEmail(services, {
        organizationId: org.id,
        email: request.body.email,
        role: request.body.role,
        by: { role: principal.role ?? null, userId: principal.userId ?? null, actor: actorOf(principal) },
        via: 'members',
        facts: requestFacts(request),
      });
      reply.code(202);
      return { ...renderInvitation(row, services.clock.now()), token };
    },
  );

  app.patch<MemberParams & { Body: { role: Role } }>(
    '/v1/organizations/:org/members/:user_id',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['members'],
        summary: "Change a member's role",
        params: memberParams,
        body: { type: 'object', additionalProperties: false, required: ['role'], properties: { role } },
        response: { 200: { type: 'object', properties: { id: { type: 'string' }, role } } },
      },
    },
    async (request) => {
      const { org, principal } = await organizationFor(request, { scopes: ['members:write'], minimumRole: 'admin' });
      const target = await findMembership(db, org.id, request.params.user_id);
      if (!target) throw new GatehouseError('not_found', 'Member not found');
      assertMayTouchOwner(principal, target.role, request.body.role);
      await services.storage.transaction(async (trx) => {
        if (target.role === 'owner' && request.body.role !== 'owner' && (await countOwners(trx, org.id)) <= 1)
          throw new GatehouseError('last_owner');
        await setRole(trx, org.id, target.user_id, request.body.role, services.clock.now());
      });
      if (request.body.role !== target.role) {
        const caller = callerOf(principal, request);
        await revokeMemberSessions(services, org.id, target.user_id, caller);
        audit(services, org.id, caller, 'membership.role_changed', target.user_id, {
          from: target.role,
          to: request.body.role,
        });
      }
      return { id: target.user_id, role: request.body.role };
    },
  );

  app.delete<MemberParams>(
    '/v1/organizations/:org/members/:user_id',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['members'],
        summary: 'Remove a member; their sessions in this organization end',
        params: memberParams,
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const { org, principal } = await organizationFor(request, { scopes: ['members:write'], minimumRole: 'admin' });
      const target = await findMembership(db, org.id, request.params.user_id);
      if (!target) throw new GatehouseError('not_found', 'Member not found');
      assertMayTouchOwner(principal, target.role);
      await services.storage.transaction(async (trx) => {
        if (target.role === 'owner' && (await countOwners(trx, org.id)) <= 1) throw new GatehouseError('last_owner');
        await removeMembership(trx, org.id, target.user_id);
      });
      const caller = callerOf(principal, request);
      await revokeMemberSessions(services, org.id, target.user_id, caller);
      audit(services, org.id, caller, 'membership.removed', target.user_id, { role: target.role });
      reply.code(204);
    },
  );
}

/**
 * A role change or removal ends the member's sessions in that organization (their tokens carry the
 * old role), and every credential acting for them (the keys they made) sees the new standing at once.
 */
async function revokeMemberSessions(services: Services, organizationId: string, userId: string, caller: Caller): Promise<void> {
  services.bus.publish('membership', `${organizationId}:${userId}`);
  await services.sessions.revokeAllForUser(userId, 'membership_removed', {
    organizationId,
    by: { actor: actorOf(caller.principal), ip: caller.ip, requestId: caller.requestId },
  });
}
