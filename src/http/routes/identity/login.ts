import type { FastifyInstance } from 'fastify';
import { verifyPassword } from '../../../credentials/passwords.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { membershipsOfUser } from '../../../identity/memberships.ts';
import { normalizeEmail, normalizeUsername } from '../../../identity/normalize.ts';
import { findUserByIdentifier } from '../../../identity/users.ts';
import type { Services } from '../../../services.ts';
import { clientOf } from './context.ts';
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
      const account = e !== undefined ? normalizeEmail(e) : normalizeUsername(u ?? '');
      const client = clientOf(request);
      const keys = { account, ip: client.ip };
      try {
        await services.limits.guard.assertAllowed('login', keys);
      } catch (err) {
        if (err instanceof GatehouseError && err.error === 'too_many_attempts') recordLocked(services, e, u, client, String(request.id));
        throw err;
      }
      const user = await findUserByIdentifier(services.storage.db, e !== undefined ? { email: e } : { username: u ?? '' });
      const passwordOk = await verifyPassword(user?.password_hash, password);
      const memberships = user && passwordOk ? await membershipsOfUser(services.storage.db, user.id) : [];
      const membership =
        organization === undefined
          ? memberships[0]
          : memberships.find((m) => m.organization_id === organization || m.slug === organization);
      if (!user || !passwordOk || user.disabled_at !== null || !membership) {
        await services.limits.guard.recordFailure('login', keys);
        services.audit.record({
          action: 'auth.login.failed',
          outcome: 'failure',
          organizationId: null,
          actor: { type: user ? 'user' : 'anonymous', id: user?.id ?? null },
          ip: client.ip,
          userAgent: client.userAgent,
          requestId: String(request.id),
        });
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
        ip: client.ip,
        userAgent: client.userAgent,
        requestId: String(request.id),
      });
      return tokens;
    },
  );
}

/**
 * `auth.login.locked`: the brute-force guard refused a login. The account's user id (when there
 * is one) is looked up off the request's path, so a locked answer takes the same time whether or
 * not the account exists. Never the identifier itself, never the password.
 */
function recordLocked(
  services: Services,
  email: string | undefined,
  username: string | undefined,
  client: { ip: string; userAgent: string | null },
  requestId: string,
): void {
  const record = (userId: string | null) =>
    services.audit.record({
      action: 'auth.login.locked',
      outcome: 'denied',
      organizationId: null,
      actor: { type: 'anonymous', id: null },
      target: userId !== null ? { type: 'user', id: userId } : null,
      ip: client.ip,
      userAgent: client.userAgent,
      requestId,
      details: { reason: 'too_many_attempts' },
    });
  findUserByIdentifier(services.storage.db, email !== undefined ? { email } : { username: username ?? '' }).then(
    (user) => record(user?.id ?? null),
    () => record(null),
  );
}
