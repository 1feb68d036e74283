import type { FastifyInstance } from 'fastify';
import createKeyRoute from './create.ts';
import manageKeyRoutes from './manage.ts';
import verifyKeyRoute from './verify.ts';

/** API keys: create, list, get, update, revoke, rotate, verify. */
export default async function apiKeyRoutes(app: FastifyInstance): Promise<void> {
  await app.register(verifyKeyRoute);
  await app.register(createKeyRoute);
  await app.register(manageKeyRoutes);
}
