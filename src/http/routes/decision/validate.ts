import type { FastifyInstance } from 'fastify';
import { principalOf, requireAuth } from '../../auth.ts';
import { renderPrincipal } from './render.ts';
import { principalSchema } from './schemas.ts';

/** Claims of a JWT that has just been verified (reading the payload is safe only after that). */
function verifiedClaims(credential: string | undefined): Record<string, unknown> | null {
  if (credential === undefined) return null;
  const parts = credential.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `POST /v1/auth/validate`: the presented credential's verified claims, or 401. */
export default async function validateRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/auth/validate',
    {
      preHandler: requireAuth(),
      config: { resourceParam: true, senderTarget: 'forwarded' },
      schema: {
        tags: ['decision'],
        summary: 'Validate the presented credential and return its claims',
        security: [{ bearer: [] }, { apiKey: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            resource: {
              type: 'string',
              maxLength: 500,
              description: 'The registered resource (RFC 8707) the token must be for; 401s then point at its metadata',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              valid: { type: 'boolean' },
              claims: { type: ['object', 'null'], additionalProperties: true },
              principal: principalSchema,
            },
          },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const auth = request.headers.authorization;
      const bearer = typeof auth === 'string' && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
      const isJwt = principal.kind === 'user' || principal.kind === 'oauth_client' || principal.kind === 'external';
      return { valid: true, claims: isJwt ? verifiedClaims(bearer) : null, principal: renderPrincipal(principal) };
    },
  );
}
