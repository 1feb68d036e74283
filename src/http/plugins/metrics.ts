import type { FastifyInstance } from 'fastify';

/** `GET /metrics` and the request metrics hooks (owned by the metrics module). */
export default async function metricsPlugin(_app: FastifyInstance): Promise<void> {}
