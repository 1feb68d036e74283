import type { FastifyInstance } from 'fastify';
import { authenticateClient } from '../../../oauth/client-auth.ts';
import { OAuthError } from '../../../oauth/errors.ts';
import { introspect, revoke } from '../../../oauth/introspect.ts';
import { formOf } from './form.ts';

/** `POST /oauth/introspect` (RFC 7662) and `POST /oauth/revoke` (RFC 7009), both client-authenticated. */
export default async function introspectRevokeRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.services.oauth;
  const base = ctx.config.publicUrl;

  app.post(
    '/oauth/introspect',
    {
      config: { protected: false },
      schema: { tags: ['oauth'], summary: 'Token introspection (RFC 7662); a confidential client sees only its own tokens' },
    },
    async (request, reply) => {
      const params = formOf(request);
      const client = await authenticateClient(ctx, request.headers.authorization, params, `${base}/oauth/introspect`);
      if (client.authMethod === 'none') throw new OAuthError('invalid_client', 'Public clients cannot introspect');
      const token = params.one('token');
      if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
      reply.header('cache-control', 'no-store');
      return introspect(ctx, client, token.slice(0, 8192));
    },
  );

  app.post(
    '/oauth/revoke',
    { config: { protected: false }, schema: { tags: ['oauth'], summary: 'Token revocation (RFC 7009); unknown tokens answer 200 too' } },
    async (request, reply) => {
      const params = formOf(request);
      const client = await authenticateClient(ctx, request.headers.authorization, params, `${base}/oauth/revoke`);
      const token = params.one('token');
      if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
      await revoke(ctx, client, token.slice(0, 8192));
      return reply.code(200).header('cache-control', 'no-store').send();
    },
  );
}
