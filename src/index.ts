/**
 * Gatehouse's programmatic API: build a server in-process. Middleware and the SDK are separate
 * package exports.
 *
 * @example
 * import { createServer, loadConfig } from 'gatehouse';
 * const server = await createServer(loadConfig({ overrides: { port: 0 } }));
 * await server.app.listen({ port: 0 });
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.ts';
import { buildApp } from './http/app.ts';
import { createServices, type Services, type ServicesOptions } from './services.ts';

export { type Config, ConfigError, type LoadOptions, loadConfig } from './config/index.ts';
export { ERRORS, type ErrorName, GatehouseError } from './errors/index.ts';
export type { Principal, PrincipalKind } from './pipeline/principal.ts';

export interface GatehouseServer {
  readonly app: FastifyInstance;
  readonly services: Services;
  /** Stops accepting requests, drains, then closes storage. */
  close(): Promise<void>;
}

/** Opens storage, migrates, and builds the HTTP app (not yet listening). */
export async function createServer(config: Config, opts: ServicesOptions = {}): Promise<GatehouseServer> {
  const services = await createServices(config, opts);
  const app = await buildApp(services);
  return {
    app,
    services,
    async close() {
      await app.close();
      await services.close();
    },
  };
}
