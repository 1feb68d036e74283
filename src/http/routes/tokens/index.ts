import type { FastifyInstance } from 'fastify';
import jwksRoute from './jwks.ts';
import signingKeyRoutes from './signing-keys.ts';

/** JWKS and signing-key administration. */
export default async function tokenRoutes(app: FastifyInstance): Promise<void> {
  await app.register(jwksRoute);
  await app.register(signingKeyRoutes);
}
