/**
 * `npm run bench:limits` — what a rate limit costs. The same Gatehouse server, in its own process,
 * three ways: limits off, limits in this node's memory, limits in Redis; an API-key route (one
 * bucket per key) and a public route (one bucket per client IP), interleaved rounds, medians, the
 * ratio to limits-off from the same run. Then, in process, the limiter's own cost per decision.
 * Writes the "Rate limits" section of docs/benchmarks.md.
 */
import { randomBytes } from 'node:crypto';
import { noopAuditLog } from '../src/audit/audit.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/lib/logger.ts';
import { createRateLimiter } from '../src/ratelimit/limiter.ts';
import { LimitsRedis } from '../src/ratelimit/redis.ts';
import { openStorage } from '../src/storage/index.ts';
import { machine, writeSection } from './lib/doc.ts';
import type { GatehouseReady } from './lib/gatehouse-server.ts';
import type { LoadResult } from './lib/loadgen.ts';
import { cpuTicks, median, type Running, runLoad, startServer, stopServers, waitIdle } from './lib/proc.ts';

const quick = process.argv.includes('--quick');
const DURATION = quick ? 3 : 5;
const ROUNDS = quick ? 1 : 3;
const CONNECTIONS = 50;
const REDIS_URL = process.env.GATEHOUSE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const started = Date.now();

const variants: [string, Record<string, string>][] = [
  ['limits off', { BENCH_RATE_LIMIT: 'off' }],
  ['limits in memory', {}],
  ['limits in Redis', { BENCH_REDIS_URL: REDIS_URL, BENCH_REDIS_PREFIX: `gatehouse:bench:${randomBytes(4).toString('hex')}:` }],
];

type Route = 'key' | 'public';
const results = new Map<string, LoadResult[]>();
/** Server CPU per completed request, µs: what the limiter costs the server, whatever the load generator gets of the 2 cores. */
const cpuPerRequest = new Map<string, number[]>();
const servers: Running<GatehouseReady>[] = [];
try {
  for (const [name, env] of variants)
    servers.push(await startServer<GatehouseReady>(name, 'bench/lib/gatehouse-server.ts', { ...env, BENCH_KEYS: '1000' }));
  const spec = (s: Running<GatehouseReady>, route: Route) =>
    route === 'key'
      ? { url: `${s.base}/protected`, headers: { 'x-api-key': s.ready.key }, connections: CONNECTIONS, duration: DURATION }
      : { url: `${s.base}/open`, connections: CONNECTIONS, duration: DURATION };
  for (const s of servers) await runLoad({ ...spec(s, 'key'), duration: 1 }); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const route of ['key', 'public'] as const) {
      for (const s of servers) {
        await waitIdle(s.pid);
        const ticks = cpuTicks(s.pid);
        const r = await runLoad(spec(s, route));
        const k = `${s.name}|${route}`;
        results.set(k, [...(results.get(k) ?? []), r]);
        cpuPerRequest.set(k, [...(cpuPerRequest.get(k) ?? []), ((cpuTicks(s.pid) - ticks) * 10_000) / Math.max(1, r.total)]);
        process.stderr.write(`round ${round + 1}: ${s.name}, ${route}: ${Math.round(r.rps)} req/s (${r.non2xx} non-2xx)\n`);
      }
    }
  }
} finally {
  stopServers();
}

/** The limiter alone: sequential decisions on one bucket, memory and Redis. */
async function perDecision(redisUrl: string | undefined, n: number): Promise<number> {
  const config = loadConfig({
    env: {},
    overrides: { rateLimitApiKey: 1_000_000, redisKeyPrefix: `gatehouse:bench:${randomBytes(4).toString('hex')}:` },
  });
  const storage = openStorage('sqlite::memory:');
  const log = createLogger('silent');
  const redis = redisUrl ? new LimitsRedis(redisUrl, log) : undefined;
  await redis?.waitReady();
  const limiter = createRateLimiter({
    config,
    storage,
    clock: { now: () => Date.now() },
    log,
    audit: noopAuditLog,
    ...(redis ? { redis } : {}),
  });
  const principal = {
    kind: 'api_key',
    subject: 'key_bench',
    organizationId: 'org_bench',
    role: null,
    scopes: ['*'],
    memorySpaces: '*',
    credentialId: 'key_bench',
    rateLimitPolicy: 'premium',
  } as const;
  const ctx = { ip: '127.0.0.1' };
  for (let i = 0; i < Math.min(1000, n); i++) await limiter.limitPrincipal(principal, ctx);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await limiter.limitPrincipal(principal, ctx);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  redis?.close();
  await storage.close();
  return us;
}
const memoryUs = await perDecision(undefined, quick ? 20_000 : 200_000);
const redisUs = await perDecision(REDIS_URL, quick ? 2_000 : 20_000);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const row = (name: string, route: Route, ceiling: number) => {
  const rs = results.get(`${name}|${route}`) ?? [];
  const rps = median(rs.map((r) => r.rps));
  const refused = rs.reduce((a, r) => a + r.non2xx, 0);
  const cpu = median(cpuPerRequest.get(`${name}|${route}`) ?? []);
  return `| ${name} | ${route === 'key' ? 'API key (`GET /protected`)' : 'public, per IP (`GET /open`)'} | ${fmt(rps)} | ${median(rs.map((r) => r.p50))} | ${median(rs.map((r) => r.p99))} | **${(rps / ceiling).toFixed(2)}** | ${cpu.toFixed(0)} | ${refused} |`;
};
const rows: string[] = [];
for (const route of ['key', 'public'] as const) {
  const ceiling = median((results.get(`limits off|${route}`) ?? []).map((r) => r.rps));
  for (const [name] of variants) rows.push(row(name, route, ceiling));
}

const section = `## Rate limits

Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:limits${quick ? ' -- --quick' : ''}\` (run time ${Math.round((Date.now() - started) / 1000)} s) on ${machine()}.

The same Gatehouse server (SQLite, 1,000 stored keys) in three processes: limits off, limits in this
node's memory, limits in Redis (127.0.0.1). Limits are set out of reach, so every request pays for a
decision and none is refused. autocannon in its own process, ${CONNECTIONS} connections, ${DURATION} s per run,
${ROUNDS} interleaved round(s), medians; the ratio is to limits-off for the same route in the same run.

| limits | route | req/s | p50 ms | p99 ms | ratio to limits off | server CPU µs/request | non-2xx |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

The limiter alone, one awaited decision at a time on one bucket: **${memoryUs.toFixed(2)} µs** in memory,
**${redisUs.toFixed(1)} µs** with Redis (one Lua script call per decision, a loopback round trip).
`;
writeSection('Rate limits', section);
process.stdout.write(section);
