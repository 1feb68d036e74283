import type { Command } from 'commander';
import { copyStorage, type TableReport } from '../storage/copy/copy.ts';
import { openStorage } from '../storage/index.ts';
import { CliError, configFor, output } from './context.ts';

function line(r: TableReport): string {
  return `${r.table.padEnd(22)} ${String(r.copied).padStart(8)} copied  ${r.equal ? 'verified' : `MISMATCH (source ${r.source.rows} rows, target ${r.target.rows})`}`;
}

/** `gatehouse storage copy`: every record from one database to another (SQLite → PostgreSQL). */
export function registerStorage(program: Command): void {
  const storage = program.command('storage').description('move records between databases');
  storage
    .command('copy')
    .description('copy every table to another database, upserting by primary key, then verify counts and checksums')
    .option('--from <url>', 'source database (default: the configured databaseUrl)')
    .requiredOption('--to <url>', 'target database, e.g. postgres://user@host/gatehouse (migrated first)')
    .option('--batch-size <n>', 'rows per transaction', (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new CliError('--batch-size must be an integer from 1 to 10000');
      return n;
    })
    .action(async (opts: { from?: string; to: string; batchSize?: number }, cmd: Command) => {
      const from = opts.from ?? configFor(cmd).databaseUrl;
      if (from === opts.to) throw new CliError('--from and --to are the same database');
      const source = openStorage(from);
      const target = openStorage(opts.to);
      let reports: TableReport[];
      try {
        reports = await copyStorage(source, target, {
          ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
          onTable: (r) => process.stderr.write(`${line(r)}\n`),
        });
      } finally {
        await Promise.all([source.close(), target.close()]);
      }
      const bad = reports.filter((r) => !r.equal);
      output(cmd, { from: source.description, to: target.description, tables: reports }, () =>
        bad.length === 0
          ? `copied ${reports.length} tables from ${source.description} to ${target.description}; every count and checksum matches`
          : `copied, but ${bad.map((r) => r.table).join(', ')} differ: the target holds rows the source does not (copy into an empty database)`,
      );
      if (bad.length > 0) throw new CliError('verification failed', 1);
    });
}
