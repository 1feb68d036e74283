import type { FastifyInstance } from 'fastify';
import metricsPlugin from '../plugins/metrics.ts';
import apiKeyRoutes from './api-keys/index.ts';
import auditRoutes from './audit/index.ts';
import { captureRoutes } from './compat/capture.ts';
import { compatRoutes } from './compat/index.ts';
import decisionRoutes from './decision/index.ts';
import forwardAuthRoutes from './forward-auth/index.ts';
import healthRoutes from './health.ts';
import identityRoutes from './identity/index.ts';
import oauthRoutes from './oauth/index.ts';
import socialRoutes from './social/index.ts';
import tokenRoutes from './tokens/index.ts';

/** Every route module, registered in this order, then the compatibility aliases. Each folder holds one route (or small resource) per file. */
export async function registerRoutes(app: FastifyInstance): Promise<void> {
  const natives = captureRoutes(app);
  await app.register(metricsPlugin);
  await app.register(healthRoutes);
  await app.register(identityRoutes);
  await app.register(tokenRoutes);
  await app.register(apiKeyRoutes);
  await app.register(decisionRoutes);
  await app.register(forwardAuthRoutes);
  await app.register(auditRoutes);
  await app.register(oauthRoutes);
  await app.register(socialRoutes);
  // Last: aliases reuse the native routes registered above.
  await app.register(compatRoutes(natives));
}
