import type { FastifyInstance } from 'fastify';

/** `GET /.well-known/jwks.json`: public members of the keys that may verify tokens now. */
export default async function jwksRoute(app: FastifyInstance): Promise<void> {
  app.get(
    '/.well-known/jwks.json',
    {
      config: { protected: false, rateLimit: false },
      schema: {
        tags: ['tokens'],
        summary: 'JSON Web Key Set of the keys that sign access tokens',
        response: {
          200: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } } },
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return app.services.tokens.jwks();
    },
  );
}
