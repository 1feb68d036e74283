/**
 * `npm run bench:sizing` — what one core serves, for sizing (docs/deployment.md): requests/s of
 * one `gatehouse serve` process pinned to CPU 0 with `taskset`, while this script and the load
 * generator (autocannon, bench/lib/loadgen.ts) are pinned to CPU 1. Four requests:
 *
 * - an API-key check and a JWT check (`POST /v1/auth/check`; the same key or access token on
 *   every request, as a client reuses its credential: after the first, its verification is cached),
 * - a password login (`POST /v1/auth/login`: argon2id, a new session, an audit event),
 * - a client-credentials grant (`POST /oauth/token`: client secret check, a signed JWT).
 *
 * Gatehouse as shipped: `gatehouse serve` on the embedded SQLite default, default logging (info,
 * one line per request, to a pipe this script drains), one process. Only the rate limits are
 * raised out of reach (the limiter still runs on every request). The server's CPU time during
 * each run is read from /proc, so a core shared with other work shows: "requests per CPU-second"
 * is what the process did with the CPU it got. Prints a Markdown table and writes the
 * "Cluster: sizing per core" section of docs/benchmarks.md. About 40 s.
 *
 * `--duration N` (seconds per run, default 5), `--no-write` (print only).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../test/support/cli.ts';
import { machine, writeSection } from './lib/doc.ts';
import type { LoadSpec } from './lib/loadgen.ts';
import { cpuTicks, runLoad, stopServers, waitIdle } from './lib/proc.ts';

const SERVER_CPU = '0';
const LOAD_CPU = '1';
const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const DURATION = process.argv.includes('--duration') ? Number(arg('--duration')) : 5;
const WRITE = !process.argv.includes('--no-write');
const TICKS_PER_SECOND = 100;
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Row {
  readonly what: string;
  readonly connections: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Share of one core the server used during the run (1 = all of it). */
  readonly cpu: number;
}

/** Pins this process (every thread) to the load CPU; the load generator it forks inherits it. */
function pinSelf(): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
  } catch {
    throw new Error('bench:sizing needs taskset (util-linux) and at least two CPUs');
  }
}

/** `gatehouse serve` pinned to the server CPU; resolves with its base URL and pid once listening. */
function serve(env: Record<string, string>): Promise<{ base: string; pid: number; stop: () => void }> {
  const child = spawn('taskset', ['-c', SERVER_CPU, process.execPath, 'bin/gatehouse.js', 'serve'], {
    cwd: join(import.meta.dirname, '..'),
    env: { GATEHOUSE_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errText = '';
  child.stderr?.on('data', (c: Buffer) => {
    errText = `${errText}${c.toString()}`.slice(-4000);
  });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString();
      const m = /"address":"(http:\/\/[^"]+)"/.exec(buf);
      if (!m?.[1] || child.pid === undefined) return;
      // From here on the request logs are only drained, as a log collector would.
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve({ base: m[1], pid: child.pid, stop });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gatehouse serve exited with ${code}\n${errText}`)));
  });
}

async function measure(what: string, pid: number, spec: Omit<LoadSpec, 'duration'>): Promise<Row> {
  await runLoad({ ...spec, duration: 1 }); // warm-up: caches, JIT
  await waitIdle(pid);
  const before = cpuTicks(pid);
  const r = await runLoad({ ...spec, duration: DURATION });
  const cpu = (cpuTicks(pid) - before) / TICKS_PER_SECOND / DURATION;
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors ${JSON.stringify(r.statuses)}`);
  log(`${what}: ${Math.round(r.rps)} requests/s, server CPU ${(cpu * 100).toFixed(0)}%`);
  return { what, connections: spec.connections, rps: r.rps, p50: r.p50, p99: r.p99, cpu };
}

function table(rows: readonly Row[], load: string): string {
  return [
    '## Cluster: sizing per core',
    '',
    `\`npm run bench:sizing\`: one \`gatehouse serve\` as shipped (SQLite default, default logging, one process) pinned to CPU ${SERVER_CPU} with taskset, the load generator on CPU ${LOAD_CPU}; rate limits raised out of reach (the limiter still runs). ${DURATION} s per request kind after a 1 s warm-up. ${machine()}; load average ${load} at the start.`,
    '',
    '| request | connections | requests/s | p50 ms | p99 ms | server CPU | requests per CPU-second |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.connections} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${Math.round(r.cpu * 100)}% | ${r.cpu > 0 ? Math.round(r.rps / r.cpu) : '–'} |`,
    ),
    '',
    'A "server CPU" well under 100% means the core was shared with other work during the run: read "requests per CPU-second" then, and rerun on a quiet machine for the plain figure.',
  ].join('\n');
}

pinSelf();
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ');
const dir = mkdtempSync(join(tmpdir(), 'gh-bench-sizing-'));
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  GATEHOUSE_DATA_DIR: dir,
  GATEHOUSE_RATE_LIMIT_ANONYMOUS: '1000000',
  GATEHOUSE_RATE_LIMIT_API_KEY: '1000000',
  GATEHOUSE_RATE_LIMIT_USER: '1000000',
};
const cliEnv = { ...env, GATEHOUSE_LOG_LEVEL: 'silent' };
let server: Awaited<ReturnType<typeof serve>> | undefined;
try {
  const login = { email: 'sizing@example.com', password: 'sizing password long' };
  const init = runCli(cliEnv, ['init', '--org', 'Sizing', '--email', login.email, '--password-stdin'], `${login.password}\n`);
  if (init.status !== 0) throw new Error(init.stderr);
  const made = runCli(cliEnv, ['--json', 'token', 'add', '--org', 'sizing', '--description', 'sizing', '--scopes', 'reports:read']);
  if (made.status !== 0) throw new Error(made.stderr);
  const { key } = JSON.parse(made.stdout) as { key: string };
  const added = runCli(cliEnv, [
    '--json',
    'clients',
    'add',
    '--org',
    'sizing',
    '--name',
    'worker',
    '--grant',
    'client_credentials',
    '--scope',
    'reports:read',
  ]);
  if (added.status !== 0) throw new Error(added.stderr);
  const client = JSON.parse(added.stdout) as { client_id: string; client_secret: string };

  server = await serve(env);
  const { base, pid } = server;
  const session = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(login),
  });
  if (session.status !== 200) throw new Error(`login: ${session.status} ${await session.text()}`);
  const { access_token } = (await session.json()) as { access_token: string };

  const check = { url: `${base}/v1/auth/check`, method: 'POST' as const, body: '{}' };
  const json = { 'content-type': 'application/json' };
  const rows = [
    await measure('API-key check', pid, { ...check, headers: { ...json, 'x-api-key': key }, connections: 50 }),
    await measure('JWT check', pid, { ...check, headers: { ...json, authorization: `Bearer ${access_token}` }, connections: 50 }),
    await measure('password login', pid, {
      url: `${base}/v1/auth/login`,
      method: 'POST',
      headers: json,
      body: JSON.stringify(login),
      connections: 10,
    }),
    await measure('client-credentials grant', pid, {
      url: `${base}/oauth/token`,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
      connections: 50,
    }),
  ];
  const section = table(rows, load);
  process.stdout.write(`${section}\n`);
  if (WRITE) writeSection('Cluster: sizing per core', section);
} finally {
  server?.stop();
  stopServers();
  rmSync(dir, { recursive: true, force: true });
}
