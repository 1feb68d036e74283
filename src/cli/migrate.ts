import type { Command } from 'commander';
import { migrateToLatest, openStorage } from '../storage/index.ts';
import { configFor, output } from './context.ts';

/** `gatehouse migrate`: apply pending migrations and exit. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async (_opts, cmd: Command) => {
      const storage = openStorage(configFor(cmd).databaseUrl);
      try {
        const applied = await migrateToLatest(storage);
        output(cmd, { applied }, () => (applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date'));
      } finally {
        await storage.close();
      }
    });
}
