/**
 * `npm run bench:check` — what the decision API and a JWT-protected route cost, against the same
 * server's unauthenticated route, in one run. The server runs in its own process and autocannon
 * in another; configurations are interleaved (A B C D, A B C D, …) and medians reported.
 * Writes the "Decision API and JWT routes" section of docs/benchmarks.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createInterface } from 'node:readline';

const quick = process.argv.includes('--quick');
const DURATION = quick ? 3 : 6;
const ROUNDS = quick ? 1 : 3;
const CONNECTIONS = 50;

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

const server = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/gatehouse-server.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const ready = await new Promise<{ port: number; token: string; key: string; pid: number }>((resolve, reject) => {
  createInterface({ input: server.stdout as NodeJS.ReadableStream }).once('line', (l) => resolve(JSON.parse(l)));
  server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
});
const base = `http://127.0.0.1:${ready.port}`;

function rss(): number {
  const status = readFileSync(`/proc/${ready.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** autocannon in its own process (it would otherwise share this event loop). */
function load(path: string, method: string, headers: Record<string, string>, body?: string): Run {
  const args = ['node_modules/autocannon/autocannon.js', '-j', '-c', String(CONNECTIONS), '-d', String(DURATION), '-m', method];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  if (body !== undefined) args.push('-b', body, '-H', 'content-type=application/json');
  args.push(`${base}${path}`);
  const r = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 })) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
  };
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

const configs: [string, () => Run][] = [
  ['`GET /open` (no auth, the ceiling)', () => load('/open', 'GET', {})],
  ['`GET /protected` (Gatehouse JWT, same token)', () => load('/protected', 'GET', { authorization: `Bearer ${ready.token}` })],
  [
    '`POST /v1/auth/check` (JWT)',
    () => load('/v1/auth/check', 'POST', { authorization: `Bearer ${ready.token}` }, '{"required_scopes":["contexts:read"]}'),
  ],
  [
    '`POST /v1/auth/check` (API key)',
    () => load('/v1/auth/check', 'POST', { 'x-api-key': ready.key }, '{"required_scopes":["contexts:read"]}'),
  ],
];

const results = new Map<string, Run[]>(configs.map(([name]) => [name, []]));
let peakRss = 0;
try {
  load('/open', 'GET', {}); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of configs) {
      const r = run();
      results.get(name)?.push(r);
      peakRss = Math.max(peakRss, rss());
      process.stderr.write(`round ${round + 1}: ${name}: ${Math.round(r.rps)} req/s\n`);
    }
  }
} finally {
  server.kill('SIGTERM');
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const ceiling = median((results.get(configs[0]?.[0] ?? '') ?? []).map((r) => r.rps));
const rows = configs.map(([name]) => {
  const rs = results.get(name) ?? [];
  const rps = median(rs.map((r) => r.rps));
  const errors = rs.reduce((a, r) => a + r.non2xx, 0);
  return `| ${name} | ${Math.round(rps).toLocaleString('en-US')} | ${median(rs.map((r) => r.p50))} | ${median(rs.map((r) => r.p99))} | **${(rps / ceiling).toFixed(2)}** | ${errors} |`;
});

const cpu = cpus();
const section = `## Decision API and JWT routes

Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:check${quick ? ' -- --quick' : ''}\` on ${cpu[0]?.model.trim()} (${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}.
One Gatehouse process (SQLite), autocannon in another process: ${CONNECTIONS} connections, ${DURATION} s per run,
${ROUNDS} interleaved round(s), medians. Server peak RSS ${Math.round(peakRss)} MiB. The last column but one is the
ratio to the same server's unauthenticated route measured in the same run.

| route | req/s | p50 ms | p99 ms | ratio to no auth | non-2xx |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`;

const FILE = 'docs/benchmarks.md';
const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Benchmarks\n';
const start = current.indexOf('\n## Decision API and JWT routes\n');
if (start === -1) writeFileSync(FILE, `${current.trimEnd()}\n\n${section}`);
else {
  const next = current.indexOf('\n## ', start + 5);
  writeFileSync(FILE, `${current.slice(0, start)}\n${section}${next === -1 ? '' : current.slice(next)}`);
}
process.stdout.write(section);
