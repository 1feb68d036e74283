/**
 * `npm run bench:oauth` — Gatehouse's authorization server against oidc-provider's, in the same
 * run: client-credentials grants per second (`POST /oauth/token` against `POST /token`) and token
 * introspection requests per second (RFC 7662: `POST /oauth/introspect` against
 * `POST /token/introspection`), reported as ratios. Both servers are pinned to one core and the
 * load generator (and this harness) to the other, with taskset; both clients authenticate with
 * client_secret_basic. Gatehouse runs as shipped: default configuration (SQLite, RS256 keys, the
 * audit trail), logging on at `info`, rate limiting on with its limits raised out of reach.
 * Configurations interleaved for several rounds, medians reported. Writes the "OAuth: client
 * credentials and introspection against oidc-provider" section of docs/benchmarks.md.
 * `--quick`: one short round.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { machine, writeSection } from './lib/doc.ts';
import type { GatehouseReady } from './lib/gatehouse-server.ts';
import type { LoadResult, LoadSpec } from './lib/loadgen.ts';
import { median, type Running, runLoad, startServer, stopServers, waitIdle } from './lib/proc.ts';

const began = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const quick = process.argv.includes('--quick');
const DURATION = quick ? 1 : 3;
const ROUNDS = quick ? 1 : 3;
const CONNECTIONS = 20;
const SCOPE = 'api:read';
const ROOT = join(import.meta.dirname, '..');
const log = (s: string) => process.stderr.write(`${s}\n`);
process.on('exit', () => stopServers());
process.on('SIGINT', () => process.exit(130));

interface OidcReady {
  port: number;
  pid: number;
  path: string;
  headers: Record<string, string>;
  body: string;
  tokenPath: string;
  tokenBody: string;
}

/** Pins a process and all its threads to one CPU; false when taskset is missing or there is one core. */
function pin(pid: number, cpu: number): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function version(pkg: string): string {
  for (const dir of [join(ROOT, 'bench', 'peers', 'node_modules'), join(ROOT, 'node_modules')]) {
    const file = join(dir, pkg, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '?';
}

// This harness, and the load generator it forks later (affinity is inherited), on CPU 1.
const pinned = pin(process.pid, 1);
const gatehouse = await startServer<GatehouseReady>('gatehouse', 'bench/lib/gatehouse-server.ts', {
  BENCH_KEYS: '1',
  BENCH_LOG_LEVEL: 'info',
});
const oidc = await startServer<OidcReady>('oidc-provider', 'bench/peers/oidc-introspection.mjs');
// The servers on CPU 0, one after the other in the runs below.
if (pinned) for (const s of [gatehouse, oidc]) pin(s.pid, 0);

/** A client-credentials client of the seeded organization, made through the management API as an operator would. */
async function gatehouseClient(): Promise<{ basic: string; token: string }> {
  const res = await fetch(`${gatehouse.base}/v1/oauth/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': gatehouse.ready.key },
    body: JSON.stringify({
      client_name: 'bench service',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPE,
    }),
  });
  if (res.status !== 201) throw new Error(`creating the client: ${res.status} ${await res.text()}`);
  const { client_id, client_secret } = (await res.json()) as { client_id: string; client_secret: string };
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(client_id)}:${encodeURIComponent(client_secret)}`).toString('base64')}`;
  const tokenRes = await fetch(`${gatehouse.base}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&scope=${encodeURIComponent(SCOPE)}`,
  });
  const { access_token: token } = (await tokenRes.json()) as { access_token?: string };
  if (!token) throw new Error(`no Gatehouse access token (${tokenRes.status})`);
  return { basic, token };
}
const gh = await gatehouseClient();
const form = { 'content-type': 'application/x-www-form-urlencoded' };

interface Target {
  readonly label: string;
  readonly server: Running<{ port: number; pid: number }>;
  readonly spec: Omit<LoadSpec, 'connections' | 'duration'>;
  /** What an answer must contain to count (an active token, an access token). */
  readonly check: string;
}
const oidcLabel = `oidc-provider ${version('oidc-provider')}`;
const scenarios: { id: string; title: string; gatehouse: Target; peer: Target }[] = [
  {
    id: 'introspect',
    title: 'Token introspection (RFC 7662)',
    gatehouse: {
      label: 'Gatehouse `POST /oauth/introspect`',
      server: gatehouse,
      spec: {
        url: `${gatehouse.base}/oauth/introspect`,
        method: 'POST',
        headers: { ...form, authorization: gh.basic },
        body: `token=${gh.token}`,
      },
      check: '"active":true',
    },
    peer: {
      label: `${oidcLabel} \`POST /token/introspection\``,
      server: oidc,
      spec: { url: `${oidc.base}${oidc.ready.path}`, method: 'POST', headers: oidc.ready.headers, body: oidc.ready.body },
      check: '"active":true',
    },
  },
  {
    id: 'grant',
    title: 'Client-credentials grants',
    gatehouse: {
      label: 'Gatehouse `POST /oauth/token`',
      server: gatehouse,
      spec: {
        url: `${gatehouse.base}/oauth/token`,
        method: 'POST',
        headers: { ...form, authorization: gh.basic },
        body: `grant_type=client_credentials&scope=${encodeURIComponent(SCOPE)}`,
      },
      check: 'access_token',
    },
    peer: {
      label: `${oidcLabel} \`POST /token\``,
      server: oidc,
      spec: { url: `${oidc.base}${oidc.ready.tokenPath}`, method: 'POST', headers: oidc.ready.headers, body: oidc.ready.tokenBody },
      check: 'access_token',
    },
  },
];

/** One request outside the load, so a wrong answer (not merely a 200) fails the bench. */
async function assertAnswers(t: Target): Promise<void> {
  const res = await fetch(t.spec.url, { method: t.spec.method ?? 'GET', headers: t.spec.headers ?? {}, body: t.spec.body ?? null });
  const text = await res.text();
  if (res.status !== 200 || !text.includes(t.check)) throw new Error(`${t.label}: ${res.status} ${text.slice(0, 200)}`);
}

const pids = [gatehouse.pid, oidc.pid];
const results = new Map<string, LoadResult[]>();
async function measure(t: Target, seconds: number): Promise<LoadResult> {
  await waitIdle(pids, 5_000);
  const r = await runLoad({ ...t.spec, connections: CONNECTIONS, duration: seconds });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${t.label}: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statuses)})`);
  return r;
}

for (const s of scenarios) {
  for (const t of [s.gatehouse, s.peer]) await assertAnswers(t);
  // Introspection runs first: oidc-provider's in-memory adapter is an LRU of 1,000 entries, and the
  // grants scenario's tokens would evict the one it introspects. Warm-up (JIT, caches), not counted.
  for (const t of [s.gatehouse, s.peer]) await measure(t, 1);
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 === 0 ? [s.gatehouse, s.peer] : [s.peer, s.gatehouse]) {
      const r = await measure(t, DURATION);
      results.set(t.label, [...(results.get(t.label) ?? []), r]);
      log(`${s.id} round ${round + 1}: ${t.label}: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms`);
    }
  }
  for (const t of [s.gatehouse, s.peer]) await assertAnswers(t);
}
stopServers();

const rps = (t: Target) => median((results.get(t.label) ?? []).map((r) => r.rps));
const p50 = (t: Target) => median((results.get(t.label) ?? []).map((r) => r.p50));
const p99 = (t: Target) => median((results.get(t.label) ?? []).map((r) => r.p99));
const rows = scenarios.flatMap((s) =>
  [s.gatehouse, s.peer].map((t) => `| ${s.title} | ${t.label} | ${Math.round(rps(t))} | ${p50(t)} | ${p99(t)} |`),
);
const ratios = scenarios.map(
  (s) => `- ${s.title}: Gatehouse ÷ oidc-provider = **${(rps(s.gatehouse) / Math.max(rps(s.peer), 1e-9)).toFixed(2)}×**.`,
);
const seconds = Math.round((performance.now() - began) / 1000);
const section = `## OAuth: client credentials and introspection against oidc-provider

\`npm run bench:oauth\` (${seconds} s${quick ? ', `--quick`' : ''}; also the last part of \`npm run bench\`): ${CONNECTIONS} connections, ${DURATION} s per run after a 1 s warm-up, ${ROUNDS} interleaved round(s), medians.
Machine: ${machine()}; load average ${loadAtStart.toFixed(1)} when the run began — on a loaded machine read the **ratios**, not the absolute figures.
${pinned ? 'Both servers pinned to CPU 0 (`taskset`), the load generator to CPU 1.' : 'Not pinned (taskset missing or a single core): servers and load generator share the cores.'}

Both sides: one confidential client authenticating with \`client_secret_basic\` on every request, scope \`${SCOPE}\`. Gatehouse as shipped (SQLite, RS256 signing key, audit trail, logs at \`info\` to stdout, rate limiting on with limits raised out of reach) issues an RFC 9068 JWT per grant (a fresh RS256 signature and \`jti\`) and checks a hashed client secret; its introspection answers for a JWT of that client (verified once, then from the verified-token cache, with the revocation checks on every call). ${oidcLabel} runs its defaults (in-memory adapter — an LRU of 1,000 entries, not durable storage —, opaque access tokens: a grant stores a random handle, introspection looks it up; on Node 20 it prints "Unsupported runtime" at start-up). Introspection is measured first, so the grants' tokens cannot evict the one introspected.

| scenario | server | req/s | p50 ms | p99 ms |
|---|---|---:|---:|---:|
${rows.join('\n')}

${ratios.join('\n')}
`;
writeSection('OAuth: client credentials and introspection against oidc-provider', section);
log(section);
process.exit(0);
