/**
 * `npm run bench:edge` — what Gatehouse in front of an API costs: a forward-auth decision against
 * the same server's unauthenticated route, and `gatehouse proxy` / nginx + `auth_request` against
 * nginx alone, as ratios. Every server runs in its own process (Gatehouse and its proxy share one,
 * idle in turn); autocannon in another; configurations interleaved for several rounds, medians
 * reported. nginx is Debian's, single process (`master_process off`), like the Node servers.
 * Writes the "Forward-auth and the proxy" section of docs/benchmarks.md. `--quick`: one short round.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Nginx, nginxBinary, nginxServer, startNginx } from '../test/edge/support/nginx.ts';
import { freePort } from '../test/edge/support/upstream.ts';
import { machine, writeSection } from './lib/doc.ts';
import type { GatehouseReady } from './lib/gatehouse-server.ts';
import type { LoadResult } from './lib/loadgen.ts';
import { median, runLoad, startServer, stopServers } from './lib/proc.ts';

const began = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const quick = process.argv.includes('--quick');
const DURATION = quick ? 1 : 2;
const ROUNDS = quick ? 1 : 2;
const CONNECTIONS = 20;
const log = (s: string) => process.stderr.write(`${s}\n`);

const binary = nginxBinary();
if (binary === undefined) {
  log('nginx is not installed (apt-get install nginx-light); the nginx scenarios need it');
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'gh-bench-edge-'));
const policyFile = join(tmp, 'policy.yaml');
writeFileSync(
  policyFile,
  'version: 1\nunmatched: deny\nrules:\n  - name: recall\n    path: /v1/spaces/:space/recall\n    scopes: [contexts:read]\n    memory_space: { param: space }\n',
);
const nginxes: Nginx[] = [];
process.on('exit', () => {
  stopServers();
  rmSync(tmp, { recursive: true, force: true });
});

const upstream = await startServer<{ port: number; pid: number }>('upstream', 'bench/lib/edge-upstream.ts');
const gatehouse = await startServer<GatehouseReady>('gatehouse', 'bench/lib/gatehouse-server.ts', {
  BENCH_ROUTE_POLICY: policyFile,
  BENCH_PROXY_UPSTREAM: upstream.base,
  BENCH_KEYS: '1000',
});
const alonePort = await freePort();
const alone = await startNginx(
  binary,
  alonePort,
  `upstream api { server 127.0.0.1:${upstream.ready.port}; keepalive 32; }
  server {
    listen 127.0.0.1:${alonePort};
    location / { proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }`,
);
nginxes.push(alone);
const authPort = await freePort();
const withAuth = await startNginx(binary, authPort, nginxServer(authPort, gatehouse.base, upstream.base));
nginxes.push(withAuth);

const key = { 'x-api-key': gatehouse.ready.key };
const PATH = '/v1/spaces/tenant_a/recall';
const scenarios: [string, () => Promise<LoadResult>][] = [
  ['upstream alone', () => runLoad({ url: `${upstream.base}${PATH}`, connections: CONNECTIONS, duration: DURATION })],
  ['nginx → upstream', () => runLoad({ url: `http://127.0.0.1:${alonePort}${PATH}`, connections: CONNECTIONS, duration: DURATION })],
  [
    '`gatehouse proxy` → upstream (API key)',
    () =>
      runLoad({ url: `http://127.0.0.1:${gatehouse.ready.proxyPort}${PATH}`, headers: key, connections: CONNECTIONS, duration: DURATION }),
  ],
  [
    'nginx + `auth_request` → upstream (API key)',
    () => runLoad({ url: `http://127.0.0.1:${authPort}${PATH}`, headers: key, connections: CONNECTIONS, duration: DURATION }),
  ],
  ['Gatehouse `GET /open` (no auth)', () => runLoad({ url: `${gatehouse.base}/open`, connections: CONNECTIONS, duration: DURATION })],
  [
    'Gatehouse `GET /v1/forward-auth` (API key, policy rule)',
    () =>
      runLoad({
        url: `${gatehouse.base}/v1/forward-auth`,
        headers: { ...key, 'x-original-method': 'GET', 'x-original-uri': PATH, 'x-original-host': 'api' },
        connections: CONNECTIONS,
        duration: DURATION,
      }),
  ],
];

const results = new Map<string, LoadResult[]>(scenarios.map(([n]) => [n, []]));
try {
  // Warm-up: every path once (JIT, connection pools, caches), not counted.
  for (const [, run] of scenarios) await run();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of scenarios) {
      const r = await run();
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statuses)})`);
      results.get(name)?.push(r);
      log(`round ${round + 1}: ${name}: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms`);
    }
  }
} finally {
  for (const n of nginxes) await n.stop();
}

const rps = (name: string) => median((results.get(name) ?? []).map((r) => r.rps));
const p50 = (name: string) => median((results.get(name) ?? []).map((r) => r.p50));
const p99 = (name: string) => median((results.get(name) ?? []).map((r) => r.p99));
const ratio = (a: string, b: string) => `${(rps(a) / rps(b)).toFixed(2)}×`;
const [upName, nginxName, proxyName, authName, openName, faName] = scenarios.map(([n]) => n) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const rows = scenarios.map(([n]) => `| ${n} | ${Math.round(rps(n))} | ${p50(n)} | ${p99(n)} |`).join('\n');
const seconds = Math.round((performance.now() - began) / 1000);
const section = `## Forward-auth and the proxy

\`npm run bench:edge\` (${seconds} s${quick ? ', `--quick`' : ''}): ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} interleaved round(s), medians.
Machine: ${machine()}; load average ${loadAtStart.toFixed(1)} when the run began — on a loaded machine read the **ratios**, not the absolute figures.

| scenario | req/s | p50 ms | p99 ms |
|---|---:|---:|---:|
${rows}

- \`gatehouse proxy\` against nginx alone: **${ratio(proxyName, nginxName)}** the throughput (the proxy decides every request — verify the key, rate-limit, authorize — and nginx only forwards).
- nginx + \`auth_request\` (a forward-auth subrequest per request) against nginx alone: **${ratio(authName, nginxName)}**.
- A forward-auth decision against the same server's unauthenticated route: **${ratio(faName, openName)}**.
- nginx alone against the bare upstream: ${ratio(nginxName, upName)}.
`;
writeSection('Forward-auth and the proxy', section);
log(section);
process.exit(0);
