import type { FastifyInstance } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { findResourceByIdentifier } from '../../../oauth/records/resources.ts';
import { identifiersForSuffix } from '../../../oauth/resource-metadata-url.ts';

/**
 * `GET /.well-known/oauth-protected-resource/{host}/{path}`: RFC 9728 metadata of a registered
 * resource, for it to publish or proxy. Unknown resources are a 404.
 */
export default async function protectedResourceRoute(app: FastifyInstance): Promise<void> {
  const { services } = app;
  app.get<{ Params: { '*': string } }>(
    '/.well-known/oauth-protected-resource/*',
    {
      config: { protected: false, rateLimit: false },
      schema: {
        tags: ['oauth'],
        summary: 'Protected resource metadata (RFC 9728) of a registered resource',
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async (request, reply) => {
      const row = await findResourceByIdentifier(services.storage.db, identifiersForSuffix(request.params['*']));
      if (!row) throw new GatehouseError('not_found', 'No such resource');
      reply.header('cache-control', 'public, max-age=300');
      return {
        resource: row.identifier,
        authorization_servers: [services.config.issuer],
        scopes_supported: JSON.parse(row.scopes) as string[],
        bearer_methods_supported: ['header'],
        resource_name: row.name,
      };
    },
  );
}
