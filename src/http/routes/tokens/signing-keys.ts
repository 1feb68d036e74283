import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { operatorOrganizationId } from '../../../identity/organizations.ts';
import { renderSigningKey } from '../../../tokens/render.ts';
import { principalOf, requireAuth } from '../../auth.ts';

const keySchema = {
  type: 'object',
  properties: {
    kid: { type: 'string' },
    alg: { type: 'string' },
    status: { type: 'string', enum: ['active', 'retired'] },
    created_at: { type: 'string', format: 'date-time' },
    retired_at: { type: ['string', 'null'], format: 'date-time' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

/**
 * Signing keys are server-wide, so only the operator organization (the first one, created by
 * `gatehouse init`) manages them: any other tenant — anyone may register one — gets a 403.
 */
async function assertOperator(request: FastifyRequest): Promise<void> {
  const principal = principalOf(request);
  if (principal.kind === 'development') return;
  if (principal.kind === 'external')
    throw new GatehouseError(
      'insufficient_role',
      'Signing keys are server-wide: external identities never manage them, whatever their scopes',
    );
  if (principal.organizationId !== (await operatorOrganizationId(request.server.services.storage.db))) {
    throw new GatehouseError(
      'insufficient_role',
      'Signing keys are server-wide: only the operator organization (the first one, created by gatehouse init) manages them',
    );
  }
}

/**
 * Listing and rotating signing keys needs the explicit `signing_keys:*` scopes (owners and admins
 * hold them through `*`), for users the admin role, and the operator organization.
 */
export default async function signingKeyRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/v1/signing-keys',
    {
      preHandler: requireAuth({ scopes: ['signing_keys:read'], minimumRole: 'admin' }),
      schema: {
        tags: ['tokens'],
        summary: 'List signing keys (no key material)',
        response: { 200: { type: 'object', properties: { data: { type: 'array', items: keySchema } } } },
      },
    },
    async (request) => {
      await assertOperator(request);
      return { data: (await app.services.tokens.listSigningKeys()).map(renderSigningKey) };
    },
  );
  app.post(
    '/v1/signing-keys/rotate',
    {
      preHandler: requireAuth({ scopes: ['signing_keys:write'], minimumRole: 'admin' }),
      schema: {
        tags: ['tokens'],
        summary: 'Rotate: a new active key; the old one stays published until its tokens expire',
        response: { 201: keySchema },
      },
    },
    async (request, reply) => {
      await assertOperator(request);
      reply.code(201);
      return renderSigningKey(await app.services.tokens.rotateSigningKey());
    },
  );
}
