import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GatehouseError } from '../../errors/index.ts';

function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return ip === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? /^bearer\s+(\S+)$/i.exec(header) : null;
  if (!m?.[1]) return false;
  const given = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * `GET /metrics` (Prometheus text format). Every request is counted by route pattern and status
 * where it is logged (`AccessLog`, src/http/log-controller.ts). Open on loopback; with
 * `metricsToken` set, it needs that Bearer token.
 */
async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const { metrics, config } = app.services;
  app.get(
    '/metrics',
    { config: { protected: false, rateLimit: false }, schema: { tags: ['meta'], summary: 'Prometheus metrics', produces: ['text/plain'] } },
    async (request, reply) => {
      const allowed = config.metricsToken !== undefined ? bearerMatches(request, config.metricsToken) : isLoopback(request.ip);
      if (!allowed) throw new GatehouseError('metrics_forbidden');
      reply.type(metrics.contentType);
      return metrics.render();
    },
  );
}

export default fp(metricsPlugin, { name: 'gatehouse-metrics' });
