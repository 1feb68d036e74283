import Fastify, { type FastifyInstance } from 'fastify';
import { type FastifyGatehouseOptions, gatehouse } from 'gatehouse/fastify';
import { MemoryStore } from './store.ts';

/**
 * The memory API protecting itself with `gatehouse/fastify`: three lines of Gatehouse (the
 * verifier and one guard list per route); tokens are verified locally, API keys by Gatehouse.
 */
export function memoryApiWithMiddleware(opts: FastifyGatehouseOptions, store = new MemoryStore()): FastifyInstance {
  const app = Fastify();
  const auth = gatehouse(opts);
  const space = auth.requireMemorySpace((r) => (r.params as { space: string }).space);

  app.get('/health', async () => ({ status: 'ok' }));
  app.get<{ Params: { space: string }; Querystring: { q?: string } }>(
    '/v1/spaces/:space/memories',
    { preHandler: [auth.requireScopes('memories:read'), space] },
    async (request) => ({
      space: request.params.space,
      memories: store.recall(request.principal?.organizationId ?? '', request.params.space, request.query.q),
    }),
  );
  app.post<{ Params: { space: string }; Body: { text?: unknown } }>(
    '/v1/spaces/:space/memories',
    { preHandler: [auth.requireScopes('memories:write'), space] },
    async (request, reply) => {
      const text = request.body?.text;
      if (typeof text !== 'string' || text === '') return reply.code(400).send({ error: 'send {"text": "…"}' });
      reply.code(201);
      return store.remember(request.principal?.organizationId ?? '', request.params.space, text, request.principal?.subject ?? '');
    },
  );
  return app;
}
