import type { FastifyInstance } from 'fastify';
import { GatehouseError } from '../../errors/index.ts';

const statusSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, auth_mode: { type: 'string' }, warning: { type: 'string' } },
} as const;

/** `GET /health` (process alive) and `GET /ready` (storage reachable). No credentials. */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  const publicRoute = { protected: false, rateLimit: false } as const;
  app.get(
    '/health',
    { config: publicRoute, schema: { tags: ['meta'], summary: 'Liveness', response: { 200: statusSchema } } },
    async () => {
      const mode = app.services.authenticator.mode;
      return mode === 'disabled'
        ? {
            status: 'ok',
            auth_mode: mode,
            warning: 'Authentication is DISABLED: every request has full access. Never use this in production.',
          }
        : { status: 'ok', auth_mode: mode };
    },
  );
  app.get(
    '/ready',
    { config: publicRoute, schema: { tags: ['meta'], summary: 'Readiness: storage reachable', response: { 200: statusSchema } } },
    async () => {
      try {
        await app.services.storage.ping();
      } catch (err) {
        throw new GatehouseError('storage_unavailable', undefined, {}, { cause: err });
      }
      return { status: 'ready' };
    },
  );
  app.get('/openapi.json', { config: publicRoute, schema: { hide: true } }, async () => app.swagger());
}
