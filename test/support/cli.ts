import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type BackendName, TEST_PG_URL } from './backends.ts';

/** Runs the `gatehouse` binary as a subprocess with exactly `env` (no inherited configuration). */
export function runCli(env: Readonly<Record<string, string>>, args: readonly string[], input = ''): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['bin/gatehouse.js', ...args], { env, input, encoding: 'utf8' });
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  await c.query(sql);
  await c.end();
}

export interface CliWorkspace {
  /** The data directory (the SQLite file and server secrets live here). */
  readonly dir: string;
  /** The CLI's environment; on PostgreSQL, `GATEHOUSE_DATABASE_URL` is set by `setup`. */
  readonly env: Record<string, string>;
  run(args: readonly string[], input?: string): SpawnSyncReturns<string>;
  /** Creates the PostgreSQL database (SQLite needs nothing). Use as `before(ws.setup)`. */
  setup(): Promise<void>;
  /** Removes the directory and drops the database. Use as `after(ws.dispose)`. */
  dispose(): Promise<void>;
}

/** A fresh place for CLI tests to run `gatehouse` against: a temp data dir, and its own database on PostgreSQL. */
export function cliWorkspace(backend: BackendName): CliWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'gh-cli-'));
  const database = `gh_cli_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'silent' };
  return {
    dir,
    env,
    run: (args, input) => runCli(env, args, input),
    async setup() {
      if (backend !== 'postgres') return;
      await admin(`create database ${database}`);
      env.GATEHOUSE_DATABASE_URL = TEST_PG_URL.replace(/\/[^/]*$/, `/${database}`);
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'postgres') await admin(`drop database if exists ${database} with (force)`);
    },
  };
}
