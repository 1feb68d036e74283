import type { FastifyInstance } from 'fastify';
import callbackRoutes from './callback.ts';
import identityRoutes from './identities.ts';
import interactionRoutes from './interaction.ts';
import startRoutes from './start.ts';

/** Sign-in through Google, GitHub and any OpenID Connect provider; linking providers to a user. */
export default async function socialRoutes(app: FastifyInstance): Promise<void> {
  await app.register(startRoutes);
  await app.register(callbackRoutes);
  await app.register(interactionRoutes);
  await app.register(identityRoutes);
}
