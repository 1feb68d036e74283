import type { FastifyInstance } from 'fastify';

/** Routes of the audit module; each route in its own file in this folder. */
export default async function auditRoutes(_app: FastifyInstance): Promise<void> {}
