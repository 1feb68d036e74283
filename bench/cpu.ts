/**
 * `npm run bench:cpu [rounds] [seconds]`: the server's CPU time per request on Gatehouse's hot
 * routes and on bare Fastify, in interleaved rounds. On a noisy machine CPU per request is steadier
 * than requests per second, and rounds that alternate make two servers meet the same noise.
 *
 * `BENCH_BASE=<checkout>` also starts that checkout's `bench/lib/gatehouse-server.ts` and prints,
 * per route, the median of the per-round ratios this ÷ base (how docs/performance.md compares a
 * change with what came before). `BENCH_ONLY=open,check-key` limits the routes. Servers are
 * pinned to CPU 0 and the load generator to CPU 1, as in `npm run bench`.
 *
 * `BENCH_FLOOR=1` adds raw `node:http` with no framework and no work (bench/peers/raw-node.mjs):
 * the ceiling's answer, and a `POST` answered with a decision's headers and body. They show what
 * the HTTP shape alone costs (docs/performance.md, "What the HTTP shape alone costs").
 */
import type { GatehouseReady } from './lib/gatehouse-server.ts';
import type { LoadSpec } from './lib/loadgen.ts';
import { cpuTicks, median, type Running, runLoad, startServer, stopServers, waitIdle } from './lib/proc.ts';

const rounds = Number(process.argv[2] ?? 6);
const seconds = Number(process.argv[3] ?? 1.5);
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : undefined;
const baseRoot = process.env.BENCH_BASE;

const gh = await startServer<GatehouseReady>('Gatehouse', 'bench/lib/gatehouse-server.ts', { BENCH_KEYS: '1000' });
const base = baseRoot
  ? await startServer<GatehouseReady>('base', `${baseRoot}/bench/lib/gatehouse-server.ts`, { BENCH_KEYS: '1000' })
  : undefined;
const ceiling = await startServer<{ port: number; pid: number }>('ceiling', 'bench/peers/ceiling.mjs');
const raw =
  process.env.BENCH_FLOOR === '1' ? await startServer<{ port: number; pid: number }>('raw', 'bench/peers/raw-node.mjs') : undefined;

/** The routes, for one Gatehouse server. */
function routes(s: Running<GatehouseReady>): [string, LoadSpec][] {
  const { key, token, badToken } = s.ready;
  const get = (path: string, headers: Record<string, string> = {}): LoadSpec => ({
    url: `${s.base}${path}`,
    headers,
    connections: 50,
    duration: seconds,
  });
  const check = (headers: Record<string, string>): LoadSpec => ({
    ...get('/v1/auth/check', { 'content-type': 'application/json', ...headers }),
    method: 'POST',
    body: '{}',
  });
  return [
    ['open', get('/open')],
    ['health', get('/health')],
    ['prot-key', get('/protected', { 'x-api-key': key })],
    ['prot-jwt', get('/protected', { authorization: `Bearer ${token}` })],
    ['check-key', check({ 'x-api-key': key })],
    ['check-jwt', check({ authorization: `Bearer ${token}` })],
    ['bad-jwt', get('/protected', { authorization: `Bearer ${badToken}` })],
  ];
}

interface Case {
  name: string;
  pid: number;
  spec: LoadSpec;
}
const cases: Case[] = [
  { name: 'ceiling', pid: ceiling.pid, spec: { url: `${ceiling.base}/protected`, connections: 50, duration: seconds } },
];
if (raw) {
  cases.push({ name: 'raw GET', pid: raw.pid, spec: { url: `${raw.base}/tiny`, connections: 50, duration: seconds } });
  cases.push({
    name: 'raw POST decision',
    pid: raw.pid,
    spec: {
      url: `${raw.base}/v1/auth/check`,
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-api-key': gh.ready.key },
      connections: 50,
      duration: seconds,
    },
  });
}
const baseRoutes = base ? new Map(routes(base)) : undefined;
for (const [name, spec] of routes(gh)) {
  if (only && !only.includes(name)) continue;
  cases.push({ name, pid: gh.pid, spec });
  const b = baseRoutes?.get(name);
  if (base && b) cases.push({ name: `base:${name}`, pid: base.pid, spec: b });
}
const pids = [gh.pid, ceiling.pid, ...(base ? [base.pid] : []), ...(raw ? [raw.pid] : [])];

for (const c of cases) await runLoad({ ...c.spec, duration: 1 }); // warm-up
const cpu = new Map<string, number[]>();
for (let i = 0; i < rounds; i++) {
  for (const c of i % 2 === 0 ? cases : [...cases].reverse()) {
    await waitIdle(pids);
    const before = cpuTicks(c.pid);
    const out = await runLoad(c.spec);
    const us = ((cpuTicks(c.pid) - before) * 10_000) / Math.max(out.total, 1);
    cpu.set(c.name, [...(cpu.get(c.name) ?? []), us]);
  }
}
stopServers();

const ceilingUs = median(cpu.get('ceiling') ?? []);
console.log(`CPU µs per request, medians of ${rounds} interleaved rounds of ${seconds} s (50 connections)\n`);
console.log(`| route | µs | ceiling ÷ this |${base ? ' base µs | paired this ÷ base |' : ''}`);
console.log(`| --- | ---: | ---: |${base ? ' ---: | ---: |' : ''}`);
for (const c of cases) {
  if (c.name.startsWith('base:')) continue;
  const mine = cpu.get(c.name) ?? [];
  const us = median(mine);
  let extra = '';
  if (base && c.name !== 'ceiling' && !c.name.startsWith('raw')) {
    const theirs = cpu.get(`base:${c.name}`) ?? [];
    extra = ` ${median(theirs).toFixed(1)} | ${median(mine.map((x, i) => x / (theirs[i] ?? Number.NaN))).toFixed(2)} |`;
  } else if (base) extra = ' | |';
  console.log(`| ${c.name} | ${us.toFixed(1)} | ${(ceilingUs / us).toFixed(2)} |${extra}`);
}
process.exit(0);
