import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { servingPid } from '../lib/serve-marker.ts';
import { migrateToLatest, openStorage } from '../storage/index.ts';
import { backupSqlite, checkGatehouseDb, restoreSqlite, sqliteFile } from '../storage/sqlite-backup.ts';
import { CliError, configFor, output } from './context.ts';

const PG_BACKUP = [
  'The configured database is PostgreSQL: back it up with its own tools, e.g.',
  '  pg_dump --format=custom --file gatehouse.dump "$GATEHOUSE_DATABASE_URL"',
  'pg_dump reads one consistent snapshot while Gatehouse keeps serving. Keep the pepper and master key',
  '(keyEncryptionKey) with the dump: without them API keys, refresh tokens and signing keys are unusable.',
].join('\n');

const PG_RESTORE = [
  'The configured database is PostgreSQL: restore it with its own tools, e.g.',
  '  pg_restore --clean --if-exists --no-owner --dbname "$GATEHOUSE_DATABASE_URL" gatehouse.dump',
  'with every Gatehouse node stopped, then start them (pending migrations apply at start).',
].join('\n');

/** `gatehouse backup FILE` and `gatehouse restore FILE`: the embedded SQLite database, online. */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('copy the SQLite database to FILE while the server keeps serving (PostgreSQL: prints pg_dump guidance)')
    .argument('<file>', 'where to write the copy')
    .option('--force', 'overwrite FILE if it exists')
    .action(async (file: string, opts: { force?: boolean }, cmd: Command) => {
      const source = sqliteFile(configFor(cmd).databaseUrl);
      if (source === undefined) throw new CliError(PG_BACKUP, 2);
      if (!existsSync(source)) throw new CliError(`no database at ${source}`);
      const dest = resolve(file);
      if (dest === source) throw new CliError('FILE is the database itself');
      if (existsSync(dest) && !opts.force) throw new CliError(`${dest} exists; add --force to overwrite it`);
      const { pages } = await backupSqlite(source, dest);
      const check = checkGatehouseDb(dest);
      if (check.problems.length > 0) throw new CliError(`the copy failed its check: ${check.problems.join('; ')}`);
      const bytes = statSync(dest).size;
      output(cmd, { file: dest, bytes, pages, migrations: check.migrations }, () => `backed up ${source} to ${dest} (${bytes} bytes)`);
    });

  program
    .command('restore')
    .description('replace the SQLite database with a backup made by gatehouse backup (PostgreSQL: prints pg_restore guidance)')
    .argument('<file>', 'a backup made by gatehouse backup')
    .option('--force', 'restore even while a server is serving the database')
    .action(async (file: string, opts: { force?: boolean }, cmd: Command) => {
      const config = configFor(cmd);
      const target = sqliteFile(config.databaseUrl);
      if (target === undefined) throw new CliError(PG_RESTORE, 2);
      const from = resolve(file);
      if (from === target) throw new CliError('FILE is the database itself');
      const check = checkGatehouseDb(from);
      if (check.problems.length > 0) throw new CliError(`refusing to restore: ${check.problems.join('; ')}`);
      const pid = servingPid(target);
      if (pid !== undefined && !opts.force) {
        throw new CliError(`a server (pid ${pid}) is serving ${target}; stop it first, or add --force to replace the data under it`);
      }
      const { pages } = await restoreSqlite(from, target);
      const storage = openStorage(config.databaseUrl);
      let applied: string[];
      try {
        applied = await migrateToLatest(storage);
      } finally {
        await storage.close();
      }
      output(cmd, { file: from, database: target, pages, migrations: check.migrations, applied }, () =>
        [`restored ${target} from ${from}`, ...(applied.length > 0 ? [`applied migrations: ${applied.join(', ')}`] : [])].join('\n'),
      );
    });
}
