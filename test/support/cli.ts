import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type BackendName, TEST_PG_URL } from './backends.ts';

/** Runs the `gatehouse` binary as a subprocess with exactly `env` (no inherited configuration). */
export function runCliProcess(env: Readonly<Record<string, string>>, args: readonly string[], input = ''): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['bin/gatehouse.js', ...args], { env, input, encoding: 'utf8' });
}

const CLIENT = join(import.meta.dirname, 'cli-client.mjs');
let host: { socket: string; child: ChildProcess } | undefined;

/** The CLI host of this test process (test/support/cli-host.ts), started on first use. */
function hostSocket(): string {
  if (host && host.child.exitCode === null && host.child.signalCode === null) return host.socket;
  const socket = join(mkdtempSync(join(tmpdir(), 'gh-cli-host-')), 'host.sock');
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli-host.ts'), socket], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  // The host must not keep this process alive; it exits when this process (its stdin) goes.
  child.unref();
  (child.stdin as Socket | null)?.unref();
  const deadline = Date.now() + 120_000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(socket)) {
    if (Date.now() > deadline) throw new Error('the CLI host did not start within 120 s');
    Atomics.wait(pause, 0, 0, 25);
  }
  host = { socket, child };
  return socket;
}

/**
 * Runs `gatehouse <args>` with exactly `env` and `input` on stdin: in this test process's CLI host
 * (one process that loaded Gatehouse once), or as a subprocess of `bin/gatehouse.js` when
 * `GATEHOUSE_TEST_CLI=subprocess`. Same answer either way: exit code, stdout, stderr.
 */
export function runCli(env: Readonly<Record<string, string>>, args: readonly string[], input = ''): SpawnSyncReturns<string> {
  if (process.env.GATEHOUSE_TEST_CLI === 'subprocess') return runCliProcess(env, args, input);
  const request = `${JSON.stringify({ args, env, input })}\n`;
  const res = spawnSync(process.execPath, [CLIENT, hostSocket()], { input: request, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (res.status !== 0) throw new Error(`the CLI host failed: ${res.stderr}`);
  const answer = JSON.parse(res.stdout) as { status: number; stdout: string; stderr: string };
  return {
    pid: res.pid,
    output: [null, answer.stdout, answer.stderr],
    stdout: answer.stdout,
    stderr: answer.stderr,
    status: answer.status,
    signal: null,
  };
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
  // The first command of every workspace runs the real binary; the rest run in the CLI host.
  let first = true;
  return {
    dir,
    env,
    run: (args, input) => {
      const run = first ? runCliProcess : runCli;
      first = false;
      return run(env, args, input);
    },
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
