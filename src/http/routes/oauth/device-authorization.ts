import type { FastifyInstance } from 'fastify';
import { authenticateClient } from '../../../oauth/client-auth.ts';
import { startDeviceAuthorization } from '../../../oauth/device/authorization.ts';
import { formOf } from './form.ts';

/**
 * `POST /oauth/device_authorization` (RFC 8628 §3.1): a client (confidential, authenticated as at
 * the token endpoint, or public, naming itself) asks for a device code and a user code.
 */
export default async function deviceAuthorizationRoute(app: FastifyInstance): Promise<void> {
  const ctx = app.services.oauth;
  app.post(
    '/oauth/device_authorization',
    {
      config: { protected: false },
      schema: {
        tags: ['oauth'],
        summary: 'Device authorization endpoint (RFC 8628 §3.1)',
        consumes: ['application/x-www-form-urlencoded'],
      },
    },
    async (request, reply) => {
      const params = formOf(request);
      const endpoint = `${ctx.config.publicUrl}/oauth/device_authorization`;
      const client = await authenticateClient(ctx, request.headers.authorization, params, endpoint);
      const body = await startDeviceAuthorization(ctx, client, params);
      ctx.audit.record({
        action: 'oauth.device.authorization_started',
        outcome: 'success',
        organizationId: client.organizationId,
        actor: { type: 'oauth_client', id: client.id.slice(0, 200) },
        ip: request.ip,
      });
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return body;
    },
  );
}
