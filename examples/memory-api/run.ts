/**
 * Starts the memory API protected one of three ways (see README.md):
 *   node --import tsx examples/memory-api/run.ts proxy       # gatehouse proxy :8090 → API :8000
 *   node --import tsx examples/memory-api/run.ts nginx       # nginx :8090 (auth_request → gatehouse serve :8080) → API :8000
 *   node --import tsx examples/memory-api/run.ts middleware  # API with gatehouse/fastify :8090 (gatehouse serve :8080 beside it)
 * Ctrl-C stops everything it started.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryApiBehindGatehouse } from './behind-gatehouse.ts';
import { memoryApiWithMiddleware } from './with-middleware.ts';

const GATEHOUSE = 'http://127.0.0.1:8080';
const API_PORT = 8000;
const FRONT_PORT = 8090;
const POLICY = join(import.meta.dirname, 'policy.yaml');
const children: ChildProcess[] = [];

function start(cmd: string, args: string[], env: Record<string, string> = {}): void {
  const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) {
      console.error(`${cmd} exited with ${code}`);
      stop();
    }
  });
  children.push(child);
}

function stop(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

/** `gatehouse serve` on :8080 with the example's policy (forward-auth reads it). */
function serveGatehouse(): void {
  start(process.execPath, ['bin/gatehouse.js', 'serve'], { GATEHOUSE_ROUTE_POLICY: POLICY });
}

/** The nginx block of docs/integrations.md, on :8090, in a temp prefix. */
function startNginx(): void {
  const block = /```nginx\n([\s\S]*?)```/.exec(readFileSync('docs/integrations.md', 'utf8'))?.[1];
  if (!block) throw new Error('docs/integrations.md has no nginx block');
  const dir = mkdtempSync(join(tmpdir(), 'memory-api-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((k) => `${k}_temp_path ${dir}/${k === 'client_body' ? 'body' : k};`)
    .join('\n  ');
  const server = block.replace('listen 80;', `listen 127.0.0.1:${FRONT_PORT};`);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log stderr warn;\nevents {}\nhttp {\n  access_log off;\n  ${temp}\n${server}\n}\n`,
  );
  const nginx = spawnSync('sh', ['-c', 'command -v nginx || echo /usr/sbin/nginx'], { encoding: 'utf8' }).stdout.trim();
  start(nginx, ['-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf')]);
}

const mode = process.argv[2];
if (mode === 'proxy' || mode === 'nginx') {
  memoryApiBehindGatehouse().listen(API_PORT, '127.0.0.1');
  if (mode === 'proxy')
    start(process.execPath, [
      'bin/gatehouse.js',
      'proxy',
      '--upstream',
      `http://127.0.0.1:${API_PORT}`,
      '--policy',
      POLICY,
      '--port',
      String(FRONT_PORT),
    ]);
  else {
    serveGatehouse();
    startNginx();
  }
} else if (mode === 'middleware') {
  serveGatehouse();
  await memoryApiWithMiddleware({ url: GATEHOUSE }).listen({ host: '127.0.0.1', port: FRONT_PORT });
} else {
  console.error('usage: node --import tsx examples/memory-api/run.ts proxy|nginx|middleware');
  process.exit(2);
}
console.log(`memory API (${mode}) on http://127.0.0.1:${FRONT_PORT}`);
