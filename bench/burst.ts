/**
 * `npm run bench:burst [rounds]` — what a burst of password logins does to a key-protected route,
 * this checkout against another one (`BENCH_BASE=<checkout>`, default: this one alone), in
 * interleaved rounds: each server pinned to CPU 0 (with its argon2 threads), the load generators
 * on CPU 1. Per round, 50 connections on `GET /protected` with an API key for 3 s alone, then
 * again while 10 more connections log in. Prints the key route's p99 during the burst ÷ its quiet
 * p99, the req/s it kept and the logins per second, medians over the rounds.
 */
import type { GatehouseReady } from './lib/gatehouse-server.ts';
import { median, runLoad, startServer, stopServers } from './lib/proc.ts';

const rounds = Number(process.argv[2] ?? 4);
const trees: [string, string][] = [['this', 'bench/lib/gatehouse-server.ts']];
if (process.env.BENCH_BASE) trees.unshift(['base', `${process.env.BENCH_BASE}/bench/lib/gatehouse-server.ts`]);

const servers = await Promise.all(
  trees.map(async ([name, script]) => [name, await startServer<GatehouseReady>(name, script, { BENCH_KEYS: '1000' })] as const),
);
const results = new Map<string, { ratio: number[]; kept: number[]; logins: number[] }>();
for (let round = 1; round <= rounds; round++) {
  for (const [name, s] of servers) {
    const key = { url: `${s.base}/protected`, headers: { 'x-api-key': s.ready.key }, connections: 50, duration: 3 };
    const login = {
      url: `${s.base}/v1/auth/login`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(s.ready.login),
      connections: 10,
      duration: 3,
      timeout: 30,
    };
    const quiet = await runLoad(key, 0);
    const [burst, logins] = await Promise.all([runLoad(key, 0), runLoad(login, 1)]);
    const r = results.get(name) ?? { ratio: [], kept: [], logins: [] };
    results.set(name, r);
    r.ratio.push(burst.p99 / quiet.p99);
    r.kept.push(burst.rps / quiet.rps);
    r.logins.push(logins.rps);
    process.stderr.write(
      `${name} round ${round}: p99 ${quiet.p99} → ${burst.p99} ms, ${Math.round(quiet.rps)} → ${Math.round(burst.rps)} req/s, ${logins.rps.toFixed(1)} logins/s\n`,
    );
  }
}
process.stdout.write('| tree | key route p99, burst ÷ quiet | req/s kept | logins/s |\n| --- | ---: | ---: | ---: |\n');
for (const [name, r] of results) {
  process.stdout.write(
    `| ${name} | ${median(r.ratio).toFixed(2)} | ${Math.round(100 * median(r.kept))}% | ${median(r.logins).toFixed(1)} |\n`,
  );
}
stopServers();
process.exit(0);
