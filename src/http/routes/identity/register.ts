import type { FastifyInstance } from 'fastify';
import { assertPasswordAcceptable } from '../../../credentials/passwords.ts';
import { registerOrganization, registerUser } from '../../../identity/register.ts';
import type { OrganizationRow } from '../../../identity/tables.ts';
import { renderUser } from '../../../identity/users.ts';
import { requestFacts } from '../../request-facts.ts';
import { displayName, email, iso, organizationSchema, password, slug, tokenSchema, username, userSchema } from './schemas.ts';

export function renderOrganization(o: OrganizationRow) {
  return {
    id: o.id,
    name: o.name,
    slug: o.slug,
    api_key_max_lifetime_days: o.api_key_max_lifetime_days,
    created_at: iso(o.created_at),
  };
}

interface OrgBody {
  organization_name: string;
  organization_slug: string;
  admin_email: string;
  admin_name: string;
  admin_password: string;
}

interface UserBody {
  email: string;
  password: string;
  username?: string;
  name?: string;
}

const registeredSchema = {
  type: 'object',
  properties: {
    organization: organizationSchema,
    user: userSchema,
    tokens: tokenSchema,
    api_key: { type: 'object', additionalProperties: true },
  },
} as const;

/** `POST /v1/organizations/register` and `POST /v1/auth/register`: public sign-up. */
export default async function registerRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;

  app.post<{ Body: OrgBody }>(
    '/v1/organizations/register',
    {
      config: { protected: false },
      schema: {
        tags: ['identity'],
        summary: "Register an organization and its first owner; answers the owner's tokens and an initial admin API key (shown once)",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['organization_name', 'organization_slug', 'admin_email', 'admin_name', 'admin_password'],
          properties: {
            organization_name: displayName,
            organization_slug: slug,
            admin_email: email,
            admin_name: displayName,
            admin_password: password,
          },
        },
        response: { 201: registeredSchema },
      },
    },
    async (request, reply) => {
      const b = request.body;
      assertPasswordAcceptable(b.admin_password);
      const now = services.clock.now();
      const { organization, user } = await registerOrganization(
        services.storage,
        {
          organizationName: b.organization_name,
          organizationSlug: b.organization_slug,
          email: b.admin_email,
          name: b.admin_name,
          password: b.admin_password,
        },
        now,
      );
      const tokens = await services.sessions.start({
        userId: user.id,
        organizationId: organization.id,
        role: 'owner',
        ...requestFacts(request),
      });
      services.audit.record({
        action: 'organization.created',
        outcome: 'success',
        organizationId: organization.id,
        actor: { type: 'user', id: user.id },
        target: { type: 'organization', id: organization.id },
        ...requestFacts(request),
      });
      const { row, key } = await services.apiKeys.create({
        organizationId: organization.id,
        createdBy: user.id,
        name: 'Initial admin key',
        scopes: ['*'],
        memorySpaces: '*',
      });
      reply.code(201);
      return {
        organization: renderOrganization(organization),
        user: renderUser(user),
        tokens,
        api_key: { id: row.id, key, name: row.name, scopes: ['*'], prefix: row.display_prefix },
      };
    },
  );

  app.post<{ Body: UserBody }>(
    '/v1/auth/register',
    {
      config: { protected: false },
      schema: {
        tags: ['identity'],
        summary: 'Register a user with a personal organization; answers tokens',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email', 'password'],
          properties: { email, password, username, name: displayName },
        },
        response: { 201: registeredSchema },
      },
    },
    async (request, reply) => {
      const b = request.body;
      assertPasswordAcceptable(b.password);
      const { organization, user } = await registerUser(services.storage, b, services.clock.now());
      const tokens = await services.sessions.start({
        userId: user.id,
        organizationId: organization.id,
        role: 'owner',
        ...requestFacts(request),
      });
      reply.code(201);
      return { organization: renderOrganization(organization), user: renderUser(user), tokens };
    },
  );
}
