/**
 * `npm run bench` — Gatehouse against the tools users would otherwise pick, in one run.
 *
 * Every server under test runs in its own process on 127.0.0.1 (Gatehouse: bench/lib/gatehouse-server.ts;
 * peers: bench/peers/*.mjs, installed from bench/peers/package.json when bench/peers/node_modules is
 * missing). The load generator (autocannon, bench/lib/loadgen.ts) runs in another process with the
 * same connections and duration for every server. Within each scenario the servers are interleaved
 * (A B C, A B C, …) for several rounds and medians are reported. Writes the "Gatehouse against its
 * peers" and "JWT verification against the node:crypto floor" sections of docs/benchmarks.md and
 * docs/benchmarks.svg, then runs bench/edge.ts (forward-auth and the proxy against nginx alone, its own
 * section) and bench/oauth.ts (client-credentials grants and introspection against oidc-provider, its own section). `--quick`: one round, shorter runs, no 1M-key store.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chartSvg } from './lib/chart.ts';
import { machine, writeSection } from './lib/doc.ts';
import type { GatehouseReady } from './lib/gatehouse-server.ts';
import { jwtMicro } from './lib/jwt-micro.ts';
import type { LoadResult, LoadSpec } from './lib/loadgen.ts';
import { pipelineMicro } from './lib/pipeline-micro.ts';
import { median, pinned, type Running, rssMiB, runLoad, startServer, stopServers, waitIdle } from './lib/proc.ts';

const started = performance.now();
const ROOT = join(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const COMMAND = quick ? 'npm run bench -- --quick' : 'npm run bench';
const CONNECTIONS = 50;
const LOGIN_CONNECTIONS = 10;
const DURATION = quick ? 1 : 3;
const WARMUP = quick ? 0 : 1;
const ROUNDS = quick ? 1 : 3;
const SIZES = quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000];
/** Distinct tokens for the fresh-token scenario: more than Gatehouse's verified-token cache holds (10k). */
const POOL = 12_000;
const log = (s: string) => process.stderr.write(`${s}\n`);

// ── Peers' dependencies ────────────────────────────────────────────────────────────────────────
const PEERS = join(ROOT, 'bench', 'peers');
if (!existsSync(join(PEERS, 'node_modules'))) {
  const verb = existsSync(join(PEERS, 'package-lock.json')) ? 'ci' : 'install';
  log(`installing the peers (npm ${verb} --prefix bench/peers) …`);
  execFileSync('npm', [verb, '--prefix', PEERS, '--no-audit', '--no-fund'], { stdio: ['ignore', 'inherit', 'inherit'] });
}
function peerVersion(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(PEERS, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

// ── Servers ────────────────────────────────────────────────────────────────────────────────────
interface PeerReady {
  port: number;
  pid: number;
  headers?: Record<string, string>;
  invalidHeaders?: Record<string, string>;
  login?: { email: string; password: string };
  path?: string;
  body?: string;
  invalidBody?: string;
}
type AnyReady = PeerReady | GatehouseReady;

const tmp = mkdtempSync(join(tmpdir(), 'gh-bench-'));
const tokensFile = join(tmp, 'tokens.txt');
const badTokensFile = join(tmp, 'bad-tokens.txt');
const unavailable = new Map<string, string>();
process.on('exit', () => {
  stopServers();
  rmSync(tmp, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

async function optional<T extends AnyReady>(p: Promise<Running<T>>, name: string): Promise<Running<T> | undefined> {
  try {
    return await p;
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 6).join(' ').slice(0, 600);
    unavailable.set(name, reason);
    log(`!! ${name} could not start: ${reason}`);
    return undefined;
  }
}

log(`starting servers (Gatehouse at ${SIZES.join(', ')} stored keys; minting ${POOL} tokens) …`);
const ghStarts = SIZES.map((size, i) =>
  startServer<GatehouseReady>(
    `Gatehouse (${size} keys)`,
    'bench/lib/gatehouse-server.ts',
    {
      BENCH_KEYS: String(size),
      ...(i === 0 ? { BENCH_TOKENS: String(POOL), BENCH_TOKENS_FILE: tokensFile, BENCH_BAD_TOKENS_FILE: badTokensFile } : {}),
    },
    540_000,
  ),
);
const ghOffStart = startServer<GatehouseReady>('Gatehouse, rate limiting off', 'bench/lib/gatehouse-server.ts', {
  BENCH_KEYS: String(SIZES[0]),
  BENCH_RATE_LIMIT: 'off',
});
// The one documented setting that makes Gatehouse faster: its access log off (what the log costs).
const ghQuietStart = startServer<GatehouseReady>('Gatehouse, access log off', 'bench/lib/gatehouse-server.ts', {
  BENCH_KEYS: String(SIZES[0]),
  BENCH_ACCESS_LOG: 'off',
});
const peerStarts = {
  ceiling: optional(startServer<PeerReady>('ceiling', 'bench/peers/ceiling.mjs'), 'Bare Fastify (ceiling)'),
  betterAuth: optional(startServer<PeerReady>('better-auth', 'bench/peers/better-auth.mjs'), 'Better Auth + API-key plugin'),
  memory: optional(startServer<PeerReady>('memory-bcrypt', 'bench/peers/memory-bcrypt.mjs'), 'Memory-server seed design (bcrypt)'),
  oidc: optional(startServer<PeerReady>('oidc-provider', 'bench/peers/oidc-introspection.mjs'), 'oidc-provider introspection'),
};
const ghBySize = await Promise.all(ghStarts);
const gh = ghBySize[0];
if (!gh) throw new Error('Gatehouse did not start');
const ghOff = await ghOffStart;
const ghQuiet = await ghQuietStart;
// Resident memory of each Gatehouse before any load: idle, by key-store size.
const idleRss = new Map(ghBySize.map((s) => [s.ready.keys, rssMiB(s.pid)]));
const jwtEnv = { JWT_PUBLIC_KEY: gh.ready.publicKeyPem, JWT_ISSUER: gh.ready.issuer, JWT_AUDIENCE: gh.ready.audience };
const fastifyJwt = await optional(startServer<PeerReady>('fastify-jwt', 'bench/peers/fastify-jwt.mjs', jwtEnv), 'Fastify + @fastify/jwt');
const expressPassport = await optional(
  startServer<PeerReady>('express-passport', 'bench/peers/express-passport.mjs', jwtEnv),
  'Express + passport + jsonwebtoken',
);
const ceiling = await peerStarts.ceiling;
const betterAuth = await peerStarts.betterAuth;
const memory = await peerStarts.memory;
const oidc = await peerStarts.oidc;
log(
  `servers ready after ${((performance.now() - started) / 1000).toFixed(0)} s (seeding: ${ghBySize.map((s) => `${s.ready.keys} keys ${s.ready.seedSeconds.toFixed(1)} s`).join(', ')}; ${POOL} tokens minted in ${gh.ready.mintSeconds.toFixed(1)} s)`,
);

/** Every server under test: before each run all of them must be idle (the bcrypt peer's backlog outlives its runs). */
const allPids = [...ghBySize, ghOff, ghQuiet, fastifyJwt, expressPassport, ceiling, betterAuth, memory, oidc].flatMap((s) =>
  s ? [s.pid] : [],
);

// ── Scenarios ──────────────────────────────────────────────────────────────────────────────────
type Role = 'ceiling' | 'gatehouse' | 'peer';
interface Target {
  label: string;
  /** Key of the Gatehouse row this row is compared with (same credential kind). */
  compareWith?: string;
  role: Role;
  server: Running<AnyReady>;
  spec: Omit<LoadSpec, 'connections' | 'duration'>;
  expect: number;
  /** Connections, when not the common CONNECTIONS (logins: LOGIN_CONNECTIONS for every server). */
  connections?: number;
  /** GET this path before and after each run: the server's event-loop delay during the run. */
  eldPath?: string;
  /** Run concurrently with the main load (the login burst); its figures are reported alongside. */
  companion?: Omit<LoadSpec, 'duration'>;
}
interface Scenario {
  id: string;
  title: string;
  about: string;
  targets: Target[];
}

const json = { 'content-type': 'application/json' };
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const ghLoginBody = JSON.stringify(gh.ready.login);
const L = {
  ceiling: 'Bare Fastify, no auth (ceiling)',
  ghOpen: 'Gatehouse app, route without auth',
  gh: 'Gatehouse',
  ghOff: 'Gatehouse, rate limiting off',
  ghQuiet: 'Gatehouse, access log off (`accessLog: false`)',
  fastifyJwt: `Fastify + @fastify/jwt ${peerVersion('@fastify/jwt')}`,
  express: `Express ${peerVersion('express')} + passport + jsonwebtoken ${peerVersion('jsonwebtoken')}`,
  betterAuth: `Better Auth ${peerVersion('better-auth')} + API-key plugin`,
  memory: 'Memory-server seed design (bcrypt, 100 tokens)',
  oidc: `oidc-provider ${peerVersion('oidc-provider')} introspection`,
};

function t(
  label: string,
  role: Role,
  server: Running<AnyReady> | undefined,
  spec: Target['spec'],
  expect = 200,
  extra: Partial<Target> = {},
) {
  return server ? [{ label, role, server, spec, expect, ...extra }] : [];
}
const p = (s: Running<PeerReady> | undefined) => s as Running<AnyReady> | undefined;

const scenarios: Scenario[] = [
  {
    id: 'a',
    title: '(a) Valid API key on a protected route',
    about:
      '`GET /protected` with a valid API key (`X-API-Key` for Gatehouse and Better Auth, `Authorization: Bearer` for the memory-server design), the same key every request. Gatehouse stores 1,000 keys.',
    targets: [
      ...t(L.ceiling, 'ceiling', p(ceiling), { url: `${ceiling?.base}/protected` }),
      ...t(L.ghOpen, 'gatehouse', gh, { url: `${gh.base}/open` }),
      ...t(L.gh, 'gatehouse', gh, { url: `${gh.base}/protected`, headers: { 'x-api-key': gh.ready.key } }, 200, { eldPath: '/eld' }),
      ...t(L.ghOff, 'gatehouse', ghOff, { url: `${ghOff.base}/protected`, headers: { 'x-api-key': ghOff.ready.key } }),
      ...t(L.ghQuiet, 'gatehouse', ghQuiet, { url: `${ghQuiet.base}/protected`, headers: { 'x-api-key': ghQuiet.ready.key } }),
      ...t(L.betterAuth, 'peer', p(betterAuth), { url: `${betterAuth?.base}/protected`, headers: betterAuth?.ready.headers ?? {} }, 200, {
        eldPath: '/eld',
      }),
      ...t(L.memory, 'peer', p(memory), { url: `${memory?.base}/protected`, headers: memory?.ready.headers ?? {}, timeout: 30 }),
    ],
  },
  {
    id: 'b1',
    title: '(b) Valid JWT, the same token on every request',
    about:
      "`GET /protected` with `Authorization: Bearer` and one RS256 access token issued by Gatehouse's login session; the peers verify the same token with Gatehouse's public key, checking `alg`, `iss`, `aud` and `exp`.",
    targets: [
      ...t(L.ceiling, 'ceiling', p(ceiling), { url: `${ceiling?.base}/protected`, headers: bearer(gh.ready.token) }),
      ...t(L.gh, 'gatehouse', gh, { url: `${gh.base}/protected`, headers: bearer(gh.ready.token) }),
      ...t(L.ghOff, 'gatehouse', ghOff, { url: `${ghOff.base}/protected`, headers: bearer(ghOff.ready.token) }),
      ...t(L.fastifyJwt, 'peer', p(fastifyJwt), { url: `${fastifyJwt?.base}/protected`, headers: bearer(gh.ready.token) }),
      ...t(L.express, 'peer', p(expressPassport), { url: `${expressPassport?.base}/protected`, headers: bearer(gh.ready.token) }),
    ],
  },
  {
    id: 'b2',
    title: '(b) Valid JWT, a fresh token on every request (cold verification)',
    about: `As above, but each request carries the next of ${POOL.toLocaleString('en-US')} distinct tokens (more than Gatehouse's 10,000-entry verified-token cache holds, so every verification is a full RS256 verify). The load generator does the same extra work for every server, the ceiling included.`,
    targets: [
      ...t(L.ceiling, 'ceiling', p(ceiling), { url: `${ceiling?.base}/protected`, tokensFile }),
      ...t(L.gh, 'gatehouse', gh, { url: `${gh.base}/protected`, tokensFile }),
      ...t(L.fastifyJwt, 'peer', p(fastifyJwt), { url: `${fastifyJwt?.base}/protected`, tokensFile }),
      ...t(L.express, 'peer', p(expressPassport), { url: `${expressPassport?.base}/protected`, tokensFile }),
    ],
  },
  {
    id: 'c',
    title: '(c) Invalid credential',
    about: `The same requests with a credential that must be refused (401): a JWT whose signature has one character changed (the same one every request, which Gatehouse's refusal cache then answers; and, for Gatehouse and @fastify/jwt, a new one every request from ${POOL.toLocaleString('en-US')} such tokens, each a full RS256 verification), or a well-formed API key that is not stored (the same one every request; Gatehouse caches the miss). The memory-server design compares an unknown token with all 100 stored hashes.`,
    targets: [
      ...t(`${L.gh}, bad JWT signature`, 'gatehouse', gh, { url: `${gh.base}/protected`, headers: bearer(gh.ready.badToken) }, 401),
      ...t(
        `${L.ghOff}, bad JWT signature`,
        'gatehouse',
        ghOff,
        { url: `${ghOff.base}/protected`, headers: bearer(ghOff.ready.badToken) },
        401,
      ),
      ...t(`${L.gh}, a new bad JWT every request`, 'gatehouse', gh, { url: `${gh.base}/protected`, tokensFile: badTokensFile }, 401),
      ...t(
        `${L.fastifyJwt}, a new bad JWT every request`,
        'peer',
        p(fastifyJwt),
        { url: `${fastifyJwt?.base}/protected`, tokensFile: badTokensFile },
        401,
        { compareWith: `${L.gh}, a new bad JWT every request` },
      ),
      ...t(
        `${L.gh}, unknown API key`,
        'gatehouse',
        gh,
        { url: `${gh.base}/protected`, headers: { 'x-api-key': gh.ready.unknownKey } },
        401,
      ),
      ...t(L.fastifyJwt, 'peer', p(fastifyJwt), { url: `${fastifyJwt?.base}/protected`, headers: bearer(gh.ready.badToken) }, 401, {
        compareWith: `${L.gh}, bad JWT signature`,
      }),
      ...t(L.express, 'peer', p(expressPassport), { url: `${expressPassport?.base}/protected`, headers: bearer(gh.ready.badToken) }, 401, {
        compareWith: `${L.gh}, bad JWT signature`,
      }),
      ...t(
        L.betterAuth,
        'peer',
        p(betterAuth),
        { url: `${betterAuth?.base}/protected`, headers: betterAuth?.ready.invalidHeaders ?? {} },
        401,
        {
          compareWith: `${L.gh}, unknown API key`,
        },
      ),
      ...t(
        L.memory,
        'peer',
        p(memory),
        { url: `${memory?.base}/protected`, headers: memory?.ready.invalidHeaders ?? {}, timeout: 30 },
        401,
        {
          compareWith: `${L.gh}, unknown API key`,
        },
      ),
    ],
  },
  {
    id: 'd',
    title: '(d) A service asks "is this credential good?"',
    about:
      "Gatehouse's decision API `POST /v1/auth/check` (credential in the usual header, `required_scopes` in the body) against oidc-provider's RFC 7662 introspection endpoint (`POST /token/introspection`, the service authenticating with client_secret_basic, an opaque client-credentials token in the body).",
    targets: [
      ...t(L.ceiling, 'ceiling', p(ceiling), { url: `${ceiling?.base}/protected` }),
      ...t(`${L.gh} /v1/auth/check, API key`, 'gatehouse', gh, {
        url: `${gh.base}/v1/auth/check`,
        method: 'POST',
        headers: { ...json, 'x-api-key': gh.ready.key },
        body: '{"required_scopes":["contexts:read"]}',
      }),
      ...t(`${L.gh} /v1/auth/check, JWT`, 'gatehouse', gh, {
        url: `${gh.base}/v1/auth/check`,
        method: 'POST',
        headers: { ...json, ...bearer(gh.ready.token) },
        body: '{"required_scopes":["contexts:read"]}',
      }),
      ...t(
        L.oidc,
        'peer',
        p(oidc),
        { url: `${oidc?.base}${oidc?.ready.path}`, method: 'POST', headers: oidc?.ready.headers ?? {}, body: oidc?.ready.body ?? '' },
        200,
        { compareWith: `${L.gh} /v1/auth/check, JWT` },
      ),
    ],
  },
  {
    id: 'e',
    title: '(e) Logins, and what a burst of logins does to key-protected requests',
    about: `Login throughput: \`POST\` email + password, ${LOGIN_CONNECTIONS} connections for both (Gatehouse \`/v1/auth/login\`, argon2id m=19 MiB t=2 on its own lower-priority thread; Better Auth \`signInEmail\`, its default scrypt). Burst: the key-protected load of (a) (${CONNECTIONS} connections) while ${LOGIN_CONNECTIONS} more connections log in as fast as they can, each round right after the same load alone (the burst's baseline): compare the two p99s.`,
    targets: [
      ...t(
        `${L.gh}, login`,
        'gatehouse',
        gh,
        { url: `${gh.base}/v1/auth/login`, method: 'POST', headers: json, body: ghLoginBody, timeout: 30 },
        200,
        {
          connections: LOGIN_CONNECTIONS,
        },
      ),
      ...t(
        `${L.betterAuth}, login`,
        'peer',
        p(betterAuth),
        {
          url: `${betterAuth?.base}/login`,
          method: 'POST',
          headers: json,
          body: JSON.stringify(betterAuth?.ready.login ?? {}),
          timeout: 30,
        },
        200,
        { compareWith: `${L.gh}, login`, connections: LOGIN_CONNECTIONS },
      ),
      // The burst's baseline, measured in the same round right before it: the machine's speed
      // drifts over minutes, so (a)'s p99, taken earlier, is not the quiet p99 of this moment.
      ...t(
        `${L.gh}, API key, quiet (the burst's baseline)`,
        'gatehouse',
        gh,
        { url: `${gh.base}/protected`, headers: { 'x-api-key': gh.ready.key } },
        200,
        {
          eldPath: '/eld',
        },
      ),
      ...t(
        `${L.gh}, API key during a login burst`,
        'gatehouse',
        gh,
        { url: `${gh.base}/protected`, headers: { 'x-api-key': gh.ready.key } },
        200,
        {
          eldPath: '/eld',
          companion: { url: `${gh.base}/v1/auth/login`, method: 'POST', headers: json, body: ghLoginBody, connections: LOGIN_CONNECTIONS },
        },
      ),
      ...t(
        `${L.betterAuth}, API key during a login burst`,
        'peer',
        p(betterAuth),
        { url: `${betterAuth?.base}/protected`, headers: betterAuth?.ready.headers ?? {} },
        200,
        {
          compareWith: `${L.gh}, API key during a login burst`,
          eldPath: '/eld',
          companion: {
            url: `${betterAuth?.base}/login`,
            method: 'POST',
            headers: json,
            body: JSON.stringify(betterAuth?.ready.login ?? {}),
            connections: LOGIN_CONNECTIONS,
          },
        },
      ),
    ],
  },
  {
    id: 'f',
    title: '(f) Valid API key, by key-store size',
    about:
      "Scenario (a) against Gatehouse servers whose SQLite store holds 1k, 100k and 1M keys (filler rows bulk-inserted in one transaction). The valid key is served from Gatehouse's in-process cache after its first use; the store size matters for misses and for memory.",
    targets: ghBySize.map((s) => ({
      label: `${L.gh}, ${s.ready.keys.toLocaleString('en-US')} keys`,
      role: 'gatehouse' as const,
      server: s,
      spec: { url: `${s.base}/protected`, headers: { 'x-api-key': s.ready.key } },
      expect: 200,
    })),
  },
];

// ── Runs ───────────────────────────────────────────────────────────────────────────────────────
interface Eld {
  p50: number;
  p99: number;
  max: number;
}
interface Sample {
  main: LoadResult;
  eld?: Eld;
  companion?: LoadResult;
  rss: number;
}
const samples = new Map<string, Sample[]>();
const keyOf = (s: Scenario, target: Target) => `${s.id}|${target.label}`;

async function measure(target: Target, seconds: number): Promise<Sample> {
  await waitIdle(allPids, quick ? 3_000 : 6_000);
  const spec: LoadSpec = { ...target.spec, connections: target.connections ?? CONNECTIONS, duration: seconds };
  const eldUrl = target.eldPath ? `${target.server.base}${target.eldPath}` : undefined;
  if (eldUrl) await (await fetch(eldUrl)).arrayBuffer();
  const [main, companion] = await Promise.all([
    runLoad(spec),
    target.companion ? runLoad({ ...target.companion, duration: seconds }, 1) : Promise.resolve(undefined),
  ]);
  const eld = eldUrl ? ((await (await fetch(eldUrl)).json()) as Eld) : undefined;
  return { main, ...(companion ? { companion } : {}), ...(eld ? { eld } : {}), rss: rssMiB(target.server.pid) };
}

log('JWT micro-benchmark …');
const micro = await jwtMicro(quick ? 150 : 300, quick ? 1 : 3);
const pipeline = await pipelineMicro(quick ? 300 : 1000, quick ? 1 : 3);

for (const scenario of scenarios) {
  if (WARMUP > 0) for (const target of scenario.targets) await measure(target, WARMUP);
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of scenario.targets) {
      const sample = await measure(target, DURATION);
      const key = keyOf(scenario, target);
      samples.set(key, [...(samples.get(key) ?? []), sample]);
      const wrong = sample.main.total - (sample.main.statuses[String(target.expect)] ?? 0);
      log(
        `${scenario.id} round ${round + 1}: ${target.label}: ${Math.round(sample.main.rps)} req/s, p99 ${sample.main.p99} ms${wrong > 0 ? `, ${wrong} unexpected answers ${JSON.stringify(sample.main.statuses)}` : ''}${sample.main.errors ? `, ${sample.main.errors} errors` : ''}`,
      );
    }
  }
}

// The memory-server design completes few or no requests under 50 connections: time one request alone.
let memoryAlone: number | undefined;
if (memory?.ready.headers) {
  await waitIdle(allPids, quick ? 5_000 : 20_000);
  const t0 = performance.now();
  const res = await fetch(`${memory.base}/protected`, { headers: memory.ready.headers });
  await res.arrayBuffer();
  memoryAlone = performance.now() - t0;
}
stopServers();

// ── Report ─────────────────────────────────────────────────────────────────────────────────────
interface Row {
  target: Target;
  rps: number;
  p50: number;
  p99: number;
  rss: number;
  completed: number;
  unexpected: number;
  companionRps?: number;
  eld?: Eld;
}
function rowOf(scenario: Scenario, target: Target): Row {
  const ss = samples.get(keyOf(scenario, target)) ?? [];
  const companions = ss.flatMap((s) => (s.companion ? [s.companion.rps] : []));
  return {
    target,
    rps: median(ss.map((s) => s.main.rps)),
    p50: median(ss.map((s) => s.main.p50)),
    p99: median(ss.map((s) => s.main.p99)),
    rss: Math.max(0, ...ss.map((s) => s.rss)),
    completed: ss.reduce((a, s) => a + s.main.total, 0),
    unexpected: ss.reduce((a, s) => a + s.main.total - (s.main.statuses[String(target.expect)] ?? 0), 0),
    ...(companions.length > 0 ? { companionRps: median(companions) } : {}),
    ...(ss.some((s) => s.eld)
      ? {
          eld: {
            p50: median(ss.flatMap((s) => (s.eld ? [s.eld.p50] : []))),
            p99: median(ss.flatMap((s) => (s.eld ? [s.eld.p99] : []))),
            max: Math.max(...ss.flatMap((s) => (s.eld ? [s.eld.max] : []))),
          },
        }
      : {}),
  };
}
const tables = scenarios.map((s) => ({ scenario: s, rows: s.targets.map((target) => rowOf(s, target)) }));
const ceilingRps = tables.find((x) => x.scenario.id === 'a')?.rows.find((r) => r.target.role === 'ceiling')?.rps ?? 0;

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratio = (a: number, b: number) =>
  b > 0 && a > 0
    ? `${a / b >= 100 ? Math.round(a / b).toLocaleString('en-US') : (a / b).toFixed(2)}×`
    : a > 0 && b === 0
      ? '∞ (0 completed)'
      : '—';
const ms = (n: number, r: Row) => (r.completed === 0 ? '—' : String(n));

function gatehouseRowFor(rows: Row[], row: Row): Row | undefined {
  if (row.target.compareWith) return rows.find((r) => r.target.label === row.target.compareWith);
  return rows.find((r) => r.target.label === L.gh) ?? rows.find((r) => r.target.role === 'gatehouse' && r.target.label !== L.ghOpen);
}

const sections: string[] = [];
const headline: string[] = [];
for (const { scenario, rows } of tables) {
  if (rows.length === 0) continue;
  const ownCeiling = rows.find((r) => r.target.role === 'ceiling')?.rps ?? ceilingRps;
  const hasCompanion = rows.some((r) => r.companionRps !== undefined);
  const hasEld = rows.some((r) => r.eld !== undefined);
  sections.push(
    `### ${scenario.title}`,
    '',
    scenario.about,
    '',
    `| server | req/s | p50 ms | p99 ms | RSS MiB | × ceiling | Gatehouse ÷ this |${hasCompanion ? ' logins/s alongside |' : ''}${hasEld ? ' event-loop delay p99 / max ms |' : ''} wrong answers |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: |${hasCompanion ? ' ---: |' : ''}${hasEld ? ' ---: |' : ''} ---: |`,
    ...rows.map((r) => {
      const ghRow = r.target.role === 'peer' || r.target.role === 'ceiling' ? gatehouseRowFor(rows, r) : undefined;
      return `| ${r.target.role === 'gatehouse' ? `**${r.target.label}**` : r.target.label} | ${fmt(r.rps)} | ${ms(r.p50, r)} | ${ms(r.p99, r)} | ${Math.round(r.rss)} | ${r.target.connections === undefined ? ratio(r.rps, ownCeiling) : '—'} | ${ghRow ? `**${ratio(ghRow.rps, r.rps)}**` : ''} |${hasCompanion ? ` ${r.companionRps === undefined ? '' : fmt(r.companionRps)} |` : ''}${hasEld ? ` ${r.eld ? `${r.eld.p99.toFixed(1)} / ${r.eld.max.toFixed(1)}` : ''} |` : ''} ${r.unexpected} |`;
    }),
    '',
  );
  for (const r of rows) {
    if (r.target.role !== 'peer') continue;
    const ghRow = gatehouseRowFor(rows, r);
    if (!ghRow) continue;
    headline.push(
      `| ${scenario.title.replace(/^\(\w\) /, `(${scenario.id}) `)} | ${r.target.label} | ${fmt(ghRow.rps)} | ${fmt(r.rps)} | **${ratio(ghRow.rps, r.rps)}** | ${ms(ghRow.p99, ghRow)} / ${ms(r.p99, r)} |`,
    );
  }
}

// Facts for the "why" paragraphs, all from this run.
const rowsOf = (id: string) => tables.find((x) => x.scenario.id === id)?.rows ?? [];
const find = (id: string, label: string) => rowsOf(id).find((r) => r.target.label === label);
const aCeil = find('a', L.ceiling);
const aOpen = find('a', L.ghOpen);
const aGh = find('a', L.gh);
const aOff = find('a', L.ghOff);
const b1Gh = find('b1', L.gh);
const b1Fj = find('b1', L.fastifyJwt);
const b2Gh = find('b2', L.gh);
const b2Fj = find('b2', L.fastifyJwt);
const b2Ceil = find('b2', L.ceiling);
const eGhBurst = find('e', `${L.gh}, API key during a login burst`);
const eGhQuiet = find('e', `${L.gh}, API key, quiet (the burst's baseline)`);
const eBaBurst = find('e', `${L.betterAuth}, API key during a login burst`);
const aBa = find('a', L.betterAuth);
const microRow = micro.find((m) => m.alg === 'RS256');
const aQuiet = find('a', L.ghQuiet);
const b1Ceil = find('b1', L.ceiling);
const dCeil = find('d', L.ceiling);
const dKey = find('d', `${L.gh} /v1/auth/check, API key`);
const dJwt = find('d', `${L.gh} /v1/auth/check, JWT`);
const cGhGoal = find('c', `${L.gh}, bad JWT signature`);
const cFjGoal = find('c', L.fastifyJwt);
const cGhNew = find('c', `${L.gh}, a new bad JWT every request`);
const cFjNew = find('c', `${L.fastifyJwt}, a new bad JWT every request`);

/** Issue 13's goals, each as the ratio this run measured. */
interface Goal {
  what: string;
  value: number | undefined;
  target: number;
  /** `min`: the ratio must be at least the target; `max`: at most. */
  kind: 'min' | 'max';
}
const per = (a: Row | undefined, b: Row | undefined) => (a && b && b.rps > 0 ? a.rps / b.rps : undefined);
const goals: Goal[] = [
  { what: '`POST /v1/auth/check`, cached API key ÷ bare-Fastify route', value: per(dKey, dCeil), target: 0.6, kind: 'min' },
  { what: '`POST /v1/auth/check`, same JWT ÷ bare-Fastify route', value: per(dJwt, dCeil), target: 0.6, kind: 'min' },
  { what: 'Key-protected route ÷ bare-Fastify route', value: per(aGh, aCeil), target: 0.8, kind: 'min' },
  { what: 'Same-JWT route ÷ bare-Fastify route', value: per(b1Gh, b1Ceil), target: 0.8, kind: 'min' },
  { what: 'Fresh RS256 JWT per request ÷ @fastify/jwt', value: per(b2Gh, b2Fj), target: 1.2, kind: 'min' },
  { what: 'Invalid JWT, the same one every request ÷ @fastify/jwt', value: per(cGhGoal, cFjGoal), target: 1.2, kind: 'min' },
  { what: 'Invalid JWT, a new one every request ÷ @fastify/jwt', value: per(cGhNew, cFjNew), target: 1.2, kind: 'min' },
  ...micro.map((m) => ({
    what: `\`verifyJwt\` ÷ bare node:crypto verify, ${m.alg}`,
    value: m.floor > 0 ? m.gatehouse / m.floor : undefined,
    target: 1.15,
    kind: 'max' as const,
  })),
  {
    what: "Key route's p99 during a login burst ÷ its quiet p99",
    value: eGhBurst && eGhQuiet && eGhQuiet.p99 > 0 ? eGhBurst.p99 / eGhQuiet.p99 : undefined,
    target: 1.5,
    kind: 'max',
  },
  {
    what: 'Cost of the default access log on the key route (1 − with ÷ without)',
    value: aGh && aQuiet && aQuiet.rps > 0 ? 1 - aGh.rps / aQuiet.rps : undefined,
    target: 0.1,
    kind: 'max',
  },
];
const met = (g: Goal) => g.value !== undefined && (g.kind === 'min' ? g.value >= g.target : g.value <= g.target);
const goalsSection = [
  '## Performance goals (issue 13)',
  '',
  `From the same \`${COMMAND}\` run as the tables below (${machine()}), ${pinned ? 'every server pinned to CPU 0 and every load generator to CPU 1 (`taskset`)' : '**unpinned** (no taskset or one core)'}. Gatehouse runs as shipped: default settings, its access log at \`info\` written to a file. docs/performance.md explains where the time goes.`,
  '',
  '| goal | target | this run | met |',
  '| --- | ---: | ---: | --- |',
  ...goals.map(
    (g) =>
      `| ${g.what} | ${g.kind === 'min' ? '≥' : '≤'} ${g.target} | ${g.value === undefined ? '—' : g.value.toFixed(2)} | ${g.value === undefined ? 'not measured' : met(g) ? 'yes' : '**no**'} |`,
  ),
  '',
  '### Memory',
  '',
  '| stored API keys | RSS idle MiB | RSS after its runs MiB |',
  '| ---: | ---: | ---: |',
  ...ghBySize.map((s) => {
    const r = rowsOf('f').find((x) => x.target.server === s);
    return `| ${s.ready.keys.toLocaleString('en-US')} | ${Math.round(idleRss.get(s.ready.keys) ?? 0)} | ${r ? Math.round(r.rss) : '—'} |`;
  }),
  '',
].join('\n');

const behind = headline.filter((line) => {
  const m = /\*\*([\d.,]+)×\*\*/.exec(line);
  return m ? Number((m[1] ?? '').replace(/,/g, '')) < 1 : false;
});

const wall = (performance.now() - started) / 1000;
const peersList = [
  `1. **Ceiling**: bare Fastify ${peerVersion('fastify')} route, no auth (\`bench/peers/ceiling.mjs\`).`,
  `2. **Fastify + @fastify/jwt ${peerVersion('@fastify/jwt')}** (fast-jwt ${peerVersion('fast-jwt')}), RS256 with \`iss\`/\`aud\` checks (\`bench/peers/fastify-jwt.mjs\`).`,
  `3. **Express ${peerVersion('express')} + passport ${peerVersion('passport')} (passport-http-bearer ${peerVersion('passport-http-bearer')}) + jsonwebtoken ${peerVersion('jsonwebtoken')}** (\`bench/peers/express-passport.mjs\`).`,
  `4. **Better Auth ${peerVersion('better-auth')} + @better-auth/api-key ${peerVersion('@better-auth/api-key')}** on SQLite (better-sqlite3, WAL), \`auth.api.verifyApiKey\` in a Fastify hook; per-key and global rate limits off (\`bench/peers/better-auth.mjs\`). The newest better-auth (1.7.25) cannot be installed with the newest @better-auth/api-key (1.7.5, exact peer pins on better-call 1.4.0 and @better-auth/utils 0.4.2), so the pair is pinned at 1.7.5.`,
  `5. **The seed design of a popular agent-memory server**, written here from its documented behaviour: 100 API tokens stored bcrypt-hashed (cost 10, native \`bcrypt\` ${peerVersion('bcrypt')}, off the event loop) and the presented token compared with \`bcrypt.compare\` against the stored hashes in turn; the token used is the 50th (\`bench/peers/memory-bcrypt.mjs\`).`,
  `6. **oidc-provider ${peerVersion('oidc-provider')}** introspection endpoint for opaque tokens (\`bench/peers/oidc-introspection.mjs\`). It runs on Node 20 here, printing "Unsupported runtime. Use Node.js v22.x LTS" at start-up; its default in-memory adapter holds the token.`,
];

const why: string[] = [];
const us = (r: Row | undefined) => (r && r.rps > 0 ? 1e6 / r.rps : 0);
const pCase = (prefix: string) => pipeline.find((r) => r.case.startsWith(prefix))?.us ?? 0;
if (aCeil && aOpen && aGh) {
  const stack = us(aOpen) - us(aCeil);
  const auth = us(aGh) - us(aOpen);
  why.push(
    `- **Where a key-protected request's time goes** (server time per request = 1 / req/s of a saturated single-process server): bare Fastify ${us(aCeil).toFixed(0)} µs; Gatehouse's app on a route without auth ${us(aOpen).toFixed(0)} µs (${stack >= 0 ? '+' : ''}${stack.toFixed(0)} µs: Gatehouse's global hooks — request ids, the per-IP limiter and its headers on public routes, metrics, security headers); Gatehouse's key route ${us(aGh).toFixed(0)} µs (${auth >= 0 ? '+' : ''}${auth.toFixed(0)} µs for extract → verify → authorize plus the per-key limiter)${aOff ? `; the same with rate limiting off ${us(aOff).toFixed(0)} µs` : ''}. In process the authentication pipeline for that key costs ${pCase('valid API key').toFixed(1)} µs. ${stack > auth ? 'So most of the gap to the ceiling is the HTTP stack around authentication, not authentication itself.' : 'So authentication and the limiter, not the rest of the stack, are the larger part of the gap to the ceiling.'}`,
  );
}
const b1Off = find('b1', L.ghOff);
if (b1Gh && b1Fj)
  why.push(
    `- **JWT, same token:** Gatehouse ${fmt(b1Gh.rps)} req/s (${us(b1Gh).toFixed(0)} µs per request) against @fastify/jwt ${fmt(b1Fj.rps)} (${us(b1Fj).toFixed(0)} µs), ${ratio(b1Gh.rps, b1Fj.rps)}${b1Off ? `; Gatehouse with rate limiting off ${fmt(b1Off.rps)} (${us(b1Off).toFixed(0)} µs)` : ''}. Gatehouse verifies a token once and then serves it from a SHA-256-keyed cache (in process ${pCase('valid JWT, same').toFixed(1)} µs per call, the session-revocation check included, against ${pCase('valid JWT, fresh').toFixed(0)} µs cold), while @fastify/jwt runs a full RS256 verification every time; ${b1Gh.rps >= b1Fj.rps ? 'that saving outweighs' : 'that saving is spent on'} the HTTP stack and the per-user limiter measured in (a).`,
  );
if (b2Gh && b2Fj && microRow)
  why.push(
    `- **JWT, fresh token per request:** Gatehouse ${fmt(b2Gh.rps)} req/s (${us(b2Gh).toFixed(0)} µs per request) against @fastify/jwt ${fmt(b2Fj.rps)} (${us(b2Fj).toFixed(0)} µs), ${ratio(b2Gh.rps, b2Fj.rps)}${b2Ceil ? `; ceiling ${fmt(b2Ceil.rps)}` : ''}. Both do one RS256 verification per request; in process Gatehouse's \`verifyJwt\` costs ${microRow.gatehouse.toFixed(0)} µs against ${microRow.floor.toFixed(0)} µs for the bare node:crypto verify, and its whole pipeline for a fresh token ${pCase('valid JWT, fresh').toFixed(0)} µs (it also hashes the token for the cache and stores the Principal). The remaining difference per request is the same HTTP-stack cost as in (a).`,
  );
const cGh = find('c', `${L.gh}, bad JWT signature`);
const cFj = find('c', L.fastifyJwt);
const cOff = find('c', `${L.ghOff}, bad JWT signature`);
if (cGh && cFj)
  why.push(
    `- **Invalid JWT:** Gatehouse ${fmt(cGh.rps)} req/s (${us(cGh).toFixed(0)} µs per request) against @fastify/jwt ${fmt(cFj.rps)} (${us(cFj).toFixed(0)} µs)${cOff ? `; Gatehouse with rate limiting off ${fmt(cOff.rps)} (${us(cOff).toFixed(0)} µs)` : ''}. Gatehouse remembers a token refused for a reason that cannot change (here its signature) by its SHA-256, so the same bad token again costs a lookup (in process ${pCase('JWT with a bad signature, the same').toFixed(1)} µs through the pipeline, the thrown error included), where @fastify/jwt verifies it every time${cGhNew && cFjNew ? `. With a new bad token every request both do a full RS256 verification: Gatehouse ${fmt(cGhNew.rps)} req/s (${us(cGhNew).toFixed(0)} µs) against ${fmt(cFjNew.rps)} (${us(cFjNew).toFixed(0)} µs), ${ratio(cGhNew.rps, cFjNew.rps)} (in process ${pCase('JWT with a bad signature, a new').toFixed(0)} µs)` : ''}. Either way Gatehouse counts the failure against the client IP's bucket and renders a problem+json 401 with a \`WWW-Authenticate\` challenge, where @fastify/jwt answers a plain 401.`,
  );
if (eGhBurst && eGhQuiet)
  why.push(
    `- **Login burst:** with ${LOGIN_CONNECTIONS} connections logging in, Gatehouse's key-protected route went from p99 ${eGhQuiet.p99} ms (measured quiet in the same rounds, just before each burst) to ${eGhBurst.p99} ms and from ${fmt(eGhQuiet.rps)} to ${fmt(eGhBurst.rps)} req/s, while serving ${fmt(eGhBurst.companionRps ?? 0)} logins/s; its event-loop delay p99 went from ${eGhQuiet.eld?.p99.toFixed(1) ?? '?'} ms to ${eGhBurst.eld?.p99.toFixed(1) ?? '?'} ms (max ${eGhBurst.eld?.max.toFixed(1) ?? '?'} ms). argon2id runs on threads of its own, one fewer than there are cores (here one; at most four), five nice steps below the event-loop thread, so when both want the core the requests get it first; on libuv's four threads, before that cap, the same burst took this route's p99 from 16 to 105 ms${(eGhBurst.eld?.p99 ?? 0) > 3 * (eGhQuiet.eld?.p99 ?? 0) ? '. The event-loop delay still grew more than threefold in this run: the load generators share the same 2 cores' : ''}.${eBaBurst && aBa ? ` Better Auth (node:crypto scrypt, also on the pool): p99 ${aBa.p99} → ${eBaBurst.p99} ms, ${fmt(aBa.rps)} → ${fmt(eBaBurst.rps)} req/s, ${fmt(eBaBurst.companionRps ?? 0)} logins/s, event-loop delay p99 ${aBa.eld?.p99.toFixed(1) ?? '?'} → ${eBaBurst.eld?.p99.toFixed(1) ?? '?'} ms.` : ''}`,
  );
if (memory && memoryAlone !== undefined)
  why.push(
    `- **The bcrypt design:** one valid request on its own (no other load from the bench) took ${Math.round(memoryAlone)} ms: 50 bcrypt comparisons at cost 10. Under ${CONNECTIONS} connections its throughput is bounded by about 2 cores ÷ (50 × ~66 ms), under 1 request per second, so few or no requests finish within a run; an unknown token costs all 100 comparisons. Its rows are shown as measured.`,
  );

const section = [
  '## Gatehouse against its peers',
  '',
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${COMMAND}\` (wall time ${wall.toFixed(0)} s, servers' start-up and seeding included).`,
  '',
  `Machine: ${machine()} (\`nproc\` = ${execFileSync('nproc', { encoding: 'utf8' }).trim()}). Every server is one process on 127.0.0.1${pinned ? ' pinned to CPU 0' : ''}; autocannon runs in its own process${pinned ? ' pinned to CPU 1' : ''} with ${CONNECTIONS} connections, ${DURATION} s per run${WARMUP ? `, after a ${WARMUP} s warm-up per server and scenario` : ''}, ${ROUNDS} interleaved round(s) per scenario (A B C, A B C, …), medians shown. ${pinned ? 'Server and load generator each have a core of their own (`taskset`); other work on the machine still adds noise' : 'Server and load generator share the 2 cores, and other work on the machine adds noise'}: compare ratios within a table rather than absolute figures across runs. RSS is the server's resident memory after its runs. *Gatehouse ÷ this* is Gatehouse's req/s over the row's (above 1: Gatehouse is faster). *Wrong answers* counts responses whose status was not the expected one (200, or 401 in (c)).`,
  '',
  `Gatehouse runs its default configuration (SQLite, RS256 signing keys, API-key and verified-token caches, rate limiting on with limits raised out of reach so the limiter runs but never refuses, audit on); every route shape is \`GET /protected\` → \`{"ok":true}\`. Peers (\`bench/peers/\`, own package.json, never Gatehouse dependencies):`,
  '',
  ...peersList,
  '',
  `Peers 4 and 5 use better-sqlite3 ${(JSON.parse(readFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string }).version} from Gatehouse's own install (Node resolves it from the repository root); it is not repeated in bench/peers/package.json, which would cost a second native build of about 70 s. \`npm run bench\` runs \`npm ci --prefix bench/peers\` when bench/peers/node_modules is missing.`,
  ...(unavailable.size > 0 ? ['', ...[...unavailable].map(([name, reason]) => `**Not measured: ${name}** — ${reason}`)] : []),
  '',
  '### Headline: Gatehouse against each peer',
  '',
  '| scenario | peer | Gatehouse req/s | peer req/s | Gatehouse ÷ peer | p99 ms (Gatehouse / peer) |',
  '| --- | --- | ---: | ---: | ---: | ---: |',
  ...headline,
  '',
  `Chart: [benchmarks.svg](benchmarks.svg) (req/s, log scale).`,
  '',
  '### Where Gatehouse is behind, and why',
  '',
  behind.length === 0
    ? 'In this run Gatehouse was ahead of every peer in every scenario; it is behind the no-auth ceiling everywhere:'
    : `In this run Gatehouse was behind in ${behind.length} comparison(s):\n\n| scenario | peer | Gatehouse req/s | peer req/s | Gatehouse ÷ peer | p99 ms (Gatehouse / peer) |\n| --- | --- | ---: | ---: | ---: | ---: |\n${behind.join('\n')}\n\nWhat this run measured about why:`,
  '',
  ...why,
  '',
  ...sections,
].join('\n');

const microSection = [
  '## JWT verification against the node:crypto floor',
  '',
  `In process, measured in the same \`${COMMAND}\` run (${machine()}): µs per verification of one access token with Gatehouse's claims (\`typ: at+jwt\`, iss, aud, exp, sub, jti, iat, org_id). *Floor*: \`crypto.verify\` (HMAC + \`timingSafeEqual\` for HS256) of the same signature over the same bytes, pre-decoded: the physical floor. *Gatehouse*: \`verifyJwt\` (src/tokens/jws.ts): segment and header checks, the \`alg\` allowlist, the key-family check, base64url decoding, the signature and the claims. *jose*: \`jwtVerify\` with the same checks, for reference (Gatehouse signs with jose). Medians of ${quick ? 1 : 3} interleaved measurements of ${quick ? 150 : 300} ms each.`,
  '',
  '| algorithm | floor µs | Gatehouse µs | Gatehouse − floor µs | Gatehouse ÷ floor | jose µs |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...micro.map(
    (m) =>
      `| ${m.alg} | ${m.floor.toFixed(1)} | ${m.gatehouse.toFixed(1)} | ${(m.gatehouse - m.floor).toFixed(1)} | ${(m.gatehouse / m.floor).toFixed(2)}× | ${m.jose.toFixed(1)} |`,
  ),
  '',
  "### Gatehouse's whole authentication pipeline, in process",
  '',
  `\`services.authenticator.authenticate()\` (extract → classify → verify → Principal, with the API-key, verified-token and session-state caches of the default configuration), µs per call, one awaited call at a time, medians of ${quick ? 1 : 3} rounds of ${quick ? 300 : 1000} calls. This is what authentication itself costs; everything else in the HTTP figures above is the HTTP stack.`,
  '',
  '| credential | µs per call | outcome as expected |',
  '| --- | ---: | --- |',
  ...pipeline.map((r) => `| ${r.case} | ${r.us.toFixed(1)} | ${r.ok ? 'yes' : '**no**'} |`),
  '',
].join('\n');

writeSection('Performance goals (issue 13)', goalsSection);
writeSection('Gatehouse against its peers', section);
writeSection('JWT verification against the node:crypto floor', microSection);
writeFileSync(
  join(ROOT, 'docs', 'benchmarks.svg'),
  chartSvg(
    tables.map(({ scenario, rows }) => ({
      title: scenario.title,
      bars: rows.map((r) => ({ label: r.target.label, value: r.rps, gatehouse: r.target.role === 'gatehouse' })),
    })),
    `npm run bench${quick ? ' -- --quick' : ''} · ${machine()} · ${CONNECTIONS} connections · medians of ${ROUNDS}`,
  ),
);
process.stdout.write(`${goalsSection}\n\n${section}\n\n${microSection}\n`);
log(`written to docs/benchmarks.md and docs/benchmarks.svg in ${((performance.now() - started) / 1000).toFixed(0)} s`);
// The same run goes on with forward-auth and the proxy against nginx alone (bench/edge.ts, also `npm run bench:edge`).
execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'edge.ts'), ...(quick ? ['--quick'] : [])], {
  cwd: ROOT,
  stdio: 'inherit',
});
// Then the authorization server against oidc-provider's (bench/oauth.ts, also `npm run bench:oauth`).
execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'oauth.ts'), ...(quick ? ['--quick'] : [])], {
  cwd: ROOT,
  stdio: 'inherit',
});
process.exit(0);
