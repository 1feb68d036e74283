/**
 * `npm run bench:keys` — what an API-key verification costs.
 *
 * 1. In process, at 1k, 100k and 1M stored keys (SQLite file in a temp dir, rows bulk-inserted in
 *    one transaction): verifications per second for a valid key served from the cache, a valid key
 *    looked up in storage every time (cache disabled), an unknown key (negatively cached, and
 *    distinct unknown keys that reach storage), and a key with a bad checksum.
 * 2. Over HTTP at 1M stored keys: requests per second and p50/p99 latency of a key-protected route
 *    against the same route without authentication, on the same server (autocannon in a child
 *    process so it does not share the server's event loop).
 *
 * Results are printed and written to docs/benchmarks.md under "## API keys" (other sections kept).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../src/config/index.ts';
import { generateKey } from '../src/credentials/api-keys/format.ts';
import { buildApp } from '../src/http/app.ts';
import { requireAuth } from '../src/http/auth.ts';
import { newId } from '../src/lib/ids.ts';
import { createLogger } from '../src/lib/logger.ts';
import { keyedHash } from '../src/lib/secure.ts';
import { createServices, type Services } from '../src/services.ts';

const SIZES = [1_000, 100_000, 1_000_000] as const;
const HOT_ITERATIONS = 200_000;
const COLD_ITERATIONS = 20_000;
const DISTINCT_UNKNOWN = 20_000;
const HTTP_CONNECTIONS = 50;
const HTTP_SECONDS = 6;
const COMMAND = 'npm run bench:keys   (node --import tsx bench/keys.ts)';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-keys-'));
const file = join(dir, 'gatehouse.db');
const secrets = { pepper: randomBytes(32), keyEncryptionKey: randomBytes(32) };
const silent = createLogger('silent');

function configWith(overrides: Record<string, unknown>) {
  return loadConfig({
    env: {},
    file: undefined,
    // The limiter runs on every request but never says no at these rates (bench:limits measures it).
    overrides: {
      dataDir: dir,
      databaseUrl: `sqlite:${file}`,
      logLevel: 'silent',
      rateLimitAnonymous: 1_000_000,
      rateLimitApiKey: 1_000_000,
      rateLimitUser: 1_000_000,
      ...overrides,
    },
  });
}

/** Inserts keys straight into the table, in one transaction: real ones (given) and filler rows. */
function bulkInsert(organizationId: string, realKeys: readonly string[], fillers: number, offset: number): void {
  const raw = new SQLite(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  const insert = raw.prepare(
    `insert into api_keys (key_hash, id, organization_id, created_by, name, description, environment, display_prefix, last_four,
       scopes, memory_spaces, allowed_cidrs, rate_limit, metadata, expires_at, created_at, updated_at, last_used_at, usage_count,
       revoked_at, rotated_from, rotated_to)
     values (?, ?, ?, null, ?, '', 'live', ?, ?, '["contexts:read"]', '"*"', null, null, '{}', null, ?, ?, null, 0, null, null, null)`,
  );
  const now = Date.now();
  raw.transaction(() => {
    for (const key of realKeys)
      insert.run(keyedHash(secrets.pepper, key), newId('key', now), organizationId, 'real', key.slice(0, 12), key.slice(-4), now, now);
    for (let i = 0; i < fillers; i++) {
      const id = `key_${String(offset + i).padStart(26, '0')}`;
      insert.run(randomBytes(32).toString('base64url'), id, organizationId, 'filler', 'sk_live_0000', '0000', now, now);
    }
  })();
  raw.close();
}

/** Awaited verifications per second; `expectValid` checks every outcome. */
async function rate(n: number, expectValid: boolean, verify: (i: number) => Promise<unknown>): Promise<number> {
  let wrong = 0;
  const once = async (i: number) => {
    try {
      await verify(i);
      if (!expectValid) wrong++;
    } catch {
      if (expectValid) wrong++;
    }
  };
  for (let i = 0; i < Math.min(2_000, n); i++) await once(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await once(i);
  const seconds = (performance.now() - t0) / 1000;
  if (wrong > 0) throw new Error(`${wrong} verifications had the wrong outcome`);
  return n / seconds;
}

interface Autocannon {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

function autocannon(url: string, seconds: number, headers: Record<string, string>): Promise<Autocannon> {
  const args = ['node_modules/autocannon/autocannon.js', '-c', String(HTTP_CONNECTIONS), '-d', String(seconds), '-j'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`autocannon exited with ${code}`));
      else resolve(JSON.parse(out) as Autocannon);
    });
  });
}

/** The same tiny route with and without the authentication pipeline, on one real Gatehouse app. */
async function httpBench(services: Services, key: string) {
  const app = await buildApp(services, async (a) => {
    a.get('/bench/open', { config: { protected: false } }, async () => ({ ok: true }));
    a.get('/bench/protected', { preHandler: requireAuth() }, async (request) => ({ ok: true, sub: request.principal?.subject }));
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const check = await app.inject({ method: 'GET', url: '/bench/protected', headers: { 'x-api-key': key } });
  if (check.statusCode !== 200) throw new Error(`protected route answered ${check.statusCode}`);
  const routes: { name: string; url: string; headers: Record<string, string> }[] = [
    { name: 'no auth', url: `${base}/bench/open`, headers: {} },
    { name: 'API key (X-API-Key)', url: `${base}/bench/protected`, headers: { 'x-api-key': key } },
  ];
  const results = new Map<string, Autocannon[]>();
  for (const r of routes) await autocannon(r.url, 2, r.headers); // warm-up
  for (let round = 0; round < 2; round++) {
    for (const r of routes) {
      const res = await autocannon(r.url, HTTP_SECONDS, r.headers);
      if (res.non2xx > 0 || res.errors > 0) throw new Error(`${r.name}: ${res.non2xx} non-2xx, ${res.errors} errors`);
      results.set(r.name, [...(results.get(r.name) ?? []), res]);
    }
  }
  await app.close();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return routes.map((r) => {
    const runs = results.get(r.name) ?? [];
    return {
      name: r.name,
      rps: mean(runs.map((x) => x.requests.average)),
      p50: mean(runs.map((x) => x.latency.p50)),
      p99: mean(runs.map((x) => x.latency.p99)),
    };
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (opsPerSecond: number) => (1e6 / opsPerSecond).toFixed(1);

async function main(): Promise<string> {
  const started = performance.now();
  // A: the default configuration (10k-entry cache, 30 s TTL). B: no cache, storage every time.
  const cached = await createServices(configWith({}), { log: silent, secrets, migrate: true });
  const uncached = await createServices(configWith({ apiKeyCacheSize: 0 }), { log: silent, secrets, migrate: false });
  try {
    const organizationId = newId('org');
    const now = Date.now();
    await cached.storage.db
      .insertInto('organizations')
      .values({
        id: organizationId,
        name: 'Bench',
        slug: 'bench',
        rate_limit_tier: null,
        personal_of: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const { key: hotKey } = await cached.apiKeys.create({ organizationId, createdBy: null, name: 'hot', scopes: ['*'], memorySpaces: '*' });
    const stored = Array.from({ length: SIZES[0] - 1 }, () => generateKey('sk', 'live'));
    const unknown = Array.from({ length: DISTINCT_UNKNOWN }, () => generateKey('sk', 'live'));
    const badChecksum = `${hotKey.slice(0, -1)}${hotKey.endsWith('A') ? 'B' : 'A'}`;
    const ctx = { ip: '127.0.0.1' };

    const rows: string[] = [];
    let count = 1;
    for (const size of SIZES) {
      await cached.apiKeys.flush();
      await uncached.apiKeys.flush();
      const t0 = performance.now();
      bulkInsert(organizationId, count === 1 ? stored : [], size - count - (count === 1 ? stored.length : 0), count);
      const insertSeconds = (performance.now() - t0) / 1000;
      count = size;
      const figures = {
        hot: await rate(HOT_ITERATIONS, true, () => cached.apiKeys.verify(hotKey, ctx)),
        cold: await rate(COLD_ITERATIONS, true, (i) => uncached.apiKeys.verify(stored[i % stored.length] ?? '', ctx)),
        unknownCached: await rate(HOT_ITERATIONS, false, () => cached.apiKeys.verify(unknown[0] ?? '', ctx)),
        unknownDistinct: await rate(COLD_ITERATIONS, false, (i) => cached.apiKeys.verify(unknown[i % unknown.length] ?? '', ctx)),
        badChecksum: await rate(HOT_ITERATIONS, false, () => cached.apiKeys.verify(badChecksum, ctx)),
      };
      const line = `| ${fmt(size)} | ${Object.values(figures)
        .map((v) => `${fmt(v)} (${us(v)} µs)`)
        .join(' | ')} |`;
      rows.push(line);
      console.log(`${fmt(size)} keys (inserted in ${insertSeconds.toFixed(1)} s): ${line}`);
    }

    const http = await httpBench(cached, hotKey);
    const [open, keyed] = http;
    const ratio = open && keyed ? keyed.rps / open.rps : 0;
    for (const h of http) console.log(`${h.name}: ${fmt(h.rps)} req/s, p50 ${h.p50} ms, p99 ${h.p99} ms`);
    console.log(`ratio (API key / no auth): ${ratio.toFixed(2)}`);

    const cpu = cpus();
    return [
      '## API keys',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} with \`${COMMAND}\` (run time ${((performance.now() - started) / 1000).toFixed(0)} s).`,
      '',
      `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}, Node ${process.version}.`,
      '',
      '### In-process verification (verifications/s, and µs each; one awaited call at a time)',
      '',
      'SQLite file (WAL, `WITHOUT ROWID`, keyed hash as primary key). *Valid, cached*: the same key, served from the',
      '10k-entry in-process cache. *Valid, storage*: 1k distinct stored keys with the cache disabled (`apiKeyCacheSize: 0`),',
      'so every call is checksum + HMAC + one indexed read. *Unknown, cached*: the same unknown key (negative cache).',
      '*Unknown, distinct*: 20k distinct well-formed unknown keys in turn (each one a storage miss). *Bad checksum*:',
      'refused before any hashing or storage access.',
      '',
      '| stored keys | valid, cached | valid, storage | unknown, cached | unknown, distinct | bad checksum |',
      '|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      '### HTTP (1M stored keys)',
      '',
      `The real Gatehouse app (\`buildApp\`) plus two copies of a tiny \`GET\` route: one behind \`requireAuth()\` (extract → classify → verify the`,
      `key → authorize), one public. autocannon in a child process, ${HTTP_CONNECTIONS} connections, 2 s warm-up then two rounds`,
      `of ${HTTP_SECONDS} s per route (means shown). Server and load generator share the machine's cores.`,
      '',
      '| route | req/s | p50 (ms) | p99 (ms) |',
      '|---|---:|---:|---:|',
      ...http.map((h) => `| ${h.name} | ${fmt(h.rps)} | ${h.p50.toFixed(1)} | ${h.p99.toFixed(1)} |`),
      '',
      `Ratio API key / no auth: **${ratio.toFixed(2)}** (target ≥ 0.9).`,
      '',
    ].join('\n');
  } finally {
    await cached.close();
    await uncached.close();
  }
}

/** Replaces (or appends) the "## API keys" section of docs/benchmarks.md, keeping the others. */
function writeSection(section: string): void {
  const path = join(import.meta.dirname, '..', 'docs', 'benchmarks.md');
  const current = existsSync(path)
    ? readFileSync(path, 'utf8')
    : '# Benchmarks\n\nFigures from the benches in `bench/`. Re-run them on your hardware.\n';
  const start = current.indexOf('\n## API keys\n');
  let next: string;
  if (start === -1) next = `${current.trimEnd()}\n\n${section}`;
  else {
    const end = current.indexOf('\n## ', start + 1);
    next = `${current.slice(0, start + 1)}${section}${end === -1 ? '' : `\n${current.slice(end + 1)}`}`;
  }
  writeFileSync(path, `${next.trimEnd()}\n`);
}

try {
  writeSection(await main());
  console.log('written to docs/benchmarks.md');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
