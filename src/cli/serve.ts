import type { Command } from 'commander';
import { buildApp } from '../http/app.ts';
import { markServing } from '../lib/serve-marker.ts';
import { createServices } from '../services.ts';
import { sqliteFile } from '../storage/sqlite-backup.ts';
import { configFor } from './context.ts';

/** `gatehouse serve`: start the HTTP server on the configured storage. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP server (creates ./data/gatehouse.db on first start)')
    .action(async (_opts, cmd: Command) => {
      const config = configFor(cmd);
      const services = await createServices(config);
      const { log } = services;
      const app = await buildApp(services);
      const mode = services.authenticator.mode;
      if (mode === 'disabled') {
        log.warn('AUTHENTICATION IS DISABLED: every request is a development principal with full access. Never run this in production.');
      }
      const users = await services.storage.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      if (Number(users?.n ?? 0) === 0) {
        log.warn(
          'The database has no users yet. Create the first organization and its owner with: gatehouse init --org NAME --email EMAIL',
        );
      }
      services.audit.record({
        action: 'server.started',
        outcome: 'success',
        organizationId: null,
        actor: { type: 'system', id: null },
        details: { auth_mode: mode },
      });
      const address = await app.listen({ host: config.host, port: config.port });
      const dbFile = sqliteFile(config.databaseUrl);
      const release = dbFile === undefined ? () => {} : markServing(dbFile);
      log.info({ address, storage: services.storage.description, auth_mode: mode }, `Gatehouse listening on ${address}`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info({ signal }, 'draining in-flight requests');
          app
            .close()
            .then(() => services.close())
            .then(release)
            .then(resolve, (err: unknown) => {
              log.error({ err }, 'shutdown failed');
              resolve();
            });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
