/**
 * `npm run bench:cluster` — API-key decisions (`POST /v1/auth/check`) per second for
 * `gatehouse serve` with 1, 2 and 3 workers on the embedded SQLite default, and for one process
 * on PostgreSQL + Redis, as ratios to the single process. Real `gatehouse serve` processes, the
 * load generator in its own process. About a minute. Prints a Markdown table; figures from a
 * shared machine are only ratios, and say so.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCli } from '../test/support/cli.ts';
import { startServer } from '../test/support/serve-subprocess.ts';
import { runLoad, stopServers } from './lib/proc.ts';

const DURATION = 5;
const CONNECTIONS = 50;
const PG_ADMIN = process.env.GATEHOUSE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.GATEHOUSE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Scenario {
  readonly name: string;
  readonly workers: number;
  readonly postgres?: boolean;
}

const scenarios: Scenario[] = [
  { name: 'SQLite, 1 process', workers: 1 },
  { name: 'SQLite, 2 workers', workers: 2 },
  { name: 'SQLite, 3 workers', workers: 3 },
  { name: 'PostgreSQL + Redis, 1 process', workers: 1, postgres: true },
];

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  await c.query(sql);
  await c.end();
}

async function measure(s: Scenario): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-cluster-'));
  const database = `gh_bench_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GATEHOUSE_DATA_DIR: dir,
    GATEHOUSE_LOG_LEVEL: 'info',
    GATEHOUSE_RATE_LIMIT_API_KEY: '1000000',
  };
  if (s.postgres) {
    await admin(`create database ${database}`);
    env.GATEHOUSE_DATABASE_URL = PG_ADMIN.replace(/\/[^/]*$/, `/${database}`);
    env.GATEHOUSE_REDIS_URL = REDIS;
    env.GATEHOUSE_REDIS_KEY_PREFIX = `${database}:`;
  }
  try {
    const init = runCli(env, ['init', '--org', 'Bench', '--email', 'bench@example.com', '--password-stdin'], 'bench password long\n');
    if (init.status !== 0) throw new Error(init.stderr);
    const made = runCli(env, ['--json', 'token', 'add', '--org', 'bench', '--description', 'bench', '--scopes', 'contexts:read']);
    if (made.status !== 0) throw new Error(made.stderr);
    const { key } = JSON.parse(made.stdout) as { key: string };
    const server = startServer(env, ['--workers', String(s.workers)]);
    try {
      const base = await server.ready;
      while (s.workers > 1 && !server.lines.some((l) => l.workers === s.workers)) await new Promise((r) => setTimeout(r, 100));
      const spec = {
        url: `${base}/v1/auth/check`,
        method: 'POST' as const,
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: '{"required_scopes":["contexts:read"]}',
        connections: CONNECTIONS,
      };
      await runLoad({ ...spec, duration: 1 }); // warm-up: caches, JIT
      const r = await runLoad({ ...spec, duration: DURATION });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${s.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      return r.rps;
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (s.postgres) await admin(`drop database if exists ${database} with (force)`);
  }
}

try {
  const results: [Scenario, number][] = [];
  for (const s of scenarios) results.push([s, await measure(s)]);
  const base = results[0]?.[1] ?? 1;
  const lines = [
    `API-key decisions (\`POST /v1/auth/check\`), ${CONNECTIONS} connections, ${DURATION} s each, ${availableParallelism()} cores reported.`,
    'Measured on a machine shared with other work at the time: read the ratios, not the absolute figures.',
    '',
    '| configuration | requests/s | vs. 1 process on SQLite |',
    '|---|---:|---:|',
    ...results.map(([s, rps]) => `| ${s.name} | ${Math.round(rps)} | ${(rps / base).toFixed(2)}× |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  stopServers();
}
