import type { FastifyInstance } from 'fastify';
import type { AuditEventInput } from '../../../audit/audit.ts';
import { verifyPassword } from '../../../credentials/passwords.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { membershipsOfUser } from '../../../identity/memberships.ts';
import type { UserRow } from '../../../identity/tables.ts';
import { attemptAccountKey, findUserByIdentifier } from '../../../identity/users.ts';
import type { Services } from '../../../services.ts';
import { requestFacts } from '../../request-facts.ts';
import { email, tokenSchema } from './schemas.ts';

interface LoginBody {
  email?: string;
  username?: string;
  password: string;
  organization?: string;
}

/**
 * `POST /v1/auth/login`. Unknown user, wrong password, disabled user and a foreign organization
 * all answer the same 401 after the same argon2 work; the brute-force guard runs first.
 */
export default async function loginRoute(app: FastifyInstance): Promise<void> {
  const { services } = app;
  app.post<{ Body: LoginBody }>(
    '/v1/auth/login',
    {
      config: { protected: false },
      schema: {
        tags: ['identity'],
        summary: 'Log in with email or username and password',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['password'],
          properties: {
            email,
            username: { type: 'string', minLength: 1, maxLength: 64 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
            organization: {
              type: 'string',
              minLength: 1,
              maxLength: 100,
              description: 'Organization id or slug (default: the oldest membership)',
            },
          },
        },
        response: { 200: tokenSchema },
      },
    },
    async (request) => {
      const { email: e, username: u, password, organization } = request.body;
      if ((e === undefined) === (u === undefined))
        throw new GatehouseError('validation_failed', 'body must have exactly one of email or username');
      const identifier = e !== undefined ? { email: e } : { username: u ?? '' };
      const client = requestFacts(request);
      // One indexed lookup whether or not the account exists; failures count per account,
      // whichever identifier named it (an unknown identifier is a counter of its own).
      const user = await findUserByIdentifier(services.storage.db, identifier);
      const keys = { account: attemptAccountKey(user, identifier), ip: client.ip };
      try {
        await services.limits.guard.assertAllowed('login', keys);
      } catch (err) {
        if (err instanceof GatehouseError && err.error === 'too_many_attempts') {
          auditAccount(services, Promise.resolve(user), organization, (userId, organizationId) => ({
            action: 'auth.login.locked',
            outcome: 'denied',
            organizationId,
            actor: { type: 'anonymous', id: null },
            target: userId !== null ? { type: 'user', id: userId } : null,
            ...client,
            details: { reason: 'too_many_attempts' },
          }));
        }
        throw err;
      }
      const passwordOk = await verifyPassword(user?.password_hash, password);
      const memberships = user && passwordOk ? await membershipsOfUser(services.storage.db, user.id) : [];
      const membership =
        organization === undefined
          ? memberships[0]
          : memberships.find((m) => m.organization_id === organization || m.slug === organization);
      if (!user || !passwordOk || user.disabled_at !== null || !membership) {
        await services.limits.guard.recordFailure('login', keys);
        auditAccount(services, Promise.resolve(user), organization, (userId, organizationId) => ({
          action: 'auth.login.failed',
          outcome: 'failure',
          organizationId,
          actor: { type: userId !== null ? 'user' : 'anonymous', id: userId },
          ...client,
        }));
        throw new GatehouseError('invalid_credentials');
      }
      await services.limits.guard.recordSuccess('login', keys);
      const { session_id, ...tokens } = await services.sessions.start({
        userId: user.id,
        organizationId: membership.organization_id,
        role: membership.role,
        ...client,
      });
      services.audit.record({
        action: 'auth.login.succeeded',
        outcome: 'success',
        organizationId: membership.organization_id,
        actor: { type: 'user', id: user.id },
        target: { type: 'session', id: session_id },
        ...client,
      });
      return tokens;
    },
  );
}

/**
 * Audit events about an account (failed or locked logins), filed under the organization the login
 * named when the user belongs to it, else the user's default login organization, so its owners
 * see them. Looked up off the request's path: a known and an unknown account answer in the same
 * time. Ids only: never the identifier, never the password.
 */
function auditAccount(
  services: Services,
  who: Promise<UserRow | undefined>,
  organization: string | undefined,
  event: (userId: string | null, organizationId: string | null) => AuditEventInput,
): void {
  who
    .then(async (user) => {
      if (!user) return event(null, null);
      const memberships = await membershipsOfUser(services.storage.db, user.id);
      const named =
        organization === undefined ? undefined : memberships.find((m) => m.organization_id === organization || m.slug === organization);
      return event(user.id, (named ?? memberships[0])?.organization_id ?? null);
    })
    .then(
      (e) => services.audit.record(e),
      () => services.audit.record(event(null, null)),
    );
}
