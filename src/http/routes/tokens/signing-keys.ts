import type { FastifyInstance } from 'fastify';
import type { SigningKeyInfo } from '../../../tokens/types.ts';
import { requireAuth } from '../../auth.ts';

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

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function render(k: SigningKeyInfo) {
  return {
    kid: k.kid,
    alg: k.alg,
    status: k.status,
    created_at: iso(k.createdAt),
    retired_at: iso(k.retiredAt),
    expires_at: iso(k.expiresAt),
  };
}

/**
 * Signing keys are server-wide: listing and rotating them needs the explicit `signing_keys:*`
 * scopes (owners and admins hold them through `*`) and, for users, the admin role.
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
    async () => ({ data: (await app.services.tokens.listSigningKeys()).map(render) }),
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
    async (_request, reply) => {
      reply.code(201);
      return render(await app.services.tokens.rotateSigningKey());
    },
  );
}
