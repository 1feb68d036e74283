import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { sendToPrimary } from '../cluster/ipc.ts';
import { startPrimary } from '../cluster/primary.ts';
import type { Config } from '../config/index.ts';
import { buildApp } from '../http/app.ts';
import { createLogger } from '../lib/logger.ts';
import { markServing } from '../lib/serve-marker.ts';
import { loadServerSecrets } from '../lib/server-secrets.ts';
import { createServices } from '../services.ts';

import { migrateToLatest, openStorage } from '../storage/index.ts';
import { sqliteFile } from '../storage/sqlite-backup.ts';
import { CliError, configFor } from './context.ts';

function parseWorkers(v: string): number {
  if (v === 'auto') return availableParallelism();
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('a number from 1 to 256, or auto');
  return n;
}

/** Resolves on the first SIGTERM or SIGINT, with its name. */
const signalled = () =>
  new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });

/** One server process: the whole Gatehouse on the configured port (alone, or as one worker of many). */
async function runServer(config: Config): Promise<void> {
  const services = await createServices(config);
  const { log } = services;
  const app = await buildApp(services);
  const mode = services.authenticator.mode;
  const worker = cluster.isWorker;
  if (mode === 'disabled' && !worker) {
    log.warn('AUTHENTICATION IS DISABLED: every request is a development principal with full access. Never run this in production.');
  }
  const users = await services.storage.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  if (Number(users?.n ?? 0) === 0 && !worker) {
    log.warn('The database has no users yet. Create the first organization and its owner with: gatehouse init --org NAME --email EMAIL');
  }
  if (!worker) await logExternalIssuers(services);
  services.audit.record({
    action: 'server.started',
    outcome: 'success',
    organizationId: null,
    actor: { type: 'system', id: null },
    details: { auth_mode: mode },
  });
  const stop = signalled();
  const address = await app.listen({ host: config.host, port: config.port });
  const dbFile = worker ? undefined : sqliteFile(config.databaseUrl);
  const release = dbFile === undefined ? () => {} : markServing(dbFile);
  log.info({ address, storage: services.storage.description, auth_mode: mode, pid: process.pid }, `Gatehouse listening on ${address}`);
  if (worker) {
    sendToPrimary({ gh: 'listening', address });
    // The primary is gone (killed): drain and exit rather than serve on unsupervised.
    process.once('disconnect', () => process.emit('SIGTERM'));
  }
  const signal = await stop;
  log.info({ signal }, 'draining in-flight requests');
  try {
    await app.close();
    await services.close();
  } catch (err) {
    log.error({ err }, 'shutdown failed');
  }
  release();
  if (worker && process.connected) process.disconnect();
}

/** `serve --workers N`: migrations and secrets once, then N workers on one port. */
async function runPrimary(config: Config, workers: number): Promise<void> {
  const log = createLogger(config.logLevel);
  loadServerSecrets(config);
  const storage = openStorage(config.databaseUrl);
  try {
    if (config.autoMigrate) await migrateToLatest(storage);
  } finally {
    await storage.close();
  }
  const stop = signalled();
  const primary = startPrimary(workers, log);
  const dbFile = sqliteFile(config.databaseUrl);
  const release = dbFile === undefined ? () => {} : markServing(dbFile);
  void primary.listening.then((address) =>
    log.info({ address, workers, primary_pid: process.pid }, `Gatehouse listening on ${address} with ${workers} workers`),
  );
  const signal = await Promise.race([stop, primary.failed.then(() => undefined)]);
  if (signal === undefined) {
    await primary.stop();
    release();
    throw new CliError('workers could not start; see their errors above');
  }
  log.info({ signal, workers }, 'stopping: every worker drains its in-flight requests');
  await primary.stop();
  release();
  log.info('all workers stopped');
}

import { logExternalIssuers } from './external-summary.ts';

/** `gatehouse serve`: start the HTTP server on the configured storage. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP server (creates ./data/gatehouse.db on first start)')
    .option('--workers <n>', 'worker processes sharing the port: a number, or auto (one per core)', parseWorkers, 1)
    .action(async (opts: { workers: number }, cmd: Command) => {
      if (cluster.isWorker) {
        // A worker that cannot start exits (its IPC channel would otherwise keep it alive).
        await runServer(configFor(cmd)).catch((err: unknown) => {
          process.stderr.write(`gatehouse worker: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exit(1);
        });
        return;
      }
      const config = configFor(cmd);
      if (opts.workers > 1) await runPrimary(config, opts.workers);
      else await runServer(config);
    });
}
