import type { FastifyInstance } from 'fastify';
import checkRoute from './check.ts';
import validateRoute from './validate.ts';

/** The decision API: `POST /v1/auth/check` and `POST /v1/auth/validate`. */
export default async function decisionRoutes(app: FastifyInstance): Promise<void> {
  await app.register(checkRoute);
  await app.register(validateRoute);
}
