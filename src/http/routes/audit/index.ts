import type { FastifyInstance } from 'fastify';
import listAuditEventsRoute from './list.ts';

/** Routes of the audit module; each route in its own file in this folder. */
export default async function auditRoutes(app: FastifyInstance): Promise<void> {
  await app.register(listAuditEventsRoute);
}
