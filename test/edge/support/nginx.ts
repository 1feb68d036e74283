import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The nginx binary, or undefined when it is not installed (`.ci/run` installs Debian's). */
export function nginxBinary(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' });
  const path = found.stdout.trim().split('\n')[0];
  return found.status === 0 && path ? path : undefined;
}

export interface Nginx {
  readonly url: string;
  /** nginx's error log so far (for assertion messages). */
  errors(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground (no master, no daemon) with `serverBlock` inside `http {}` and
 * its own prefix, pid, logs and temp paths in a fresh temp directory; waits until it accepts
 * connections on `port`.
 */
export async function startNginx(binary: string, port: number, serverBlock: string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${serverBlock}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const test = spawnSync(binary, ['-t', '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t failed:\n${test.stderr}`);
  const child: ChildProcess = spawn(binary, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const errors = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start:\n${errors()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The nginx server block of docs/integrations.md, on test ports: the test runs what the docs
 * show (Gatehouse on 8080 and the upstream on 8000 there; `listen 80` becomes a loopback port).
 */
export function nginxServer(port: number, gatehouse: string, upstream: string): string {
  const doc = readFileSync('docs/integrations.md', 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, 'docs/integrations.md has an nginx block');
  const server = block
    .replace('listen 80;', `listen 127.0.0.1:${port};`)
    .replace('http://127.0.0.1:8080', gatehouse)
    .replace('http://127.0.0.1:8000', upstream);
  assert.ok(server.includes(gatehouse) && server.includes(upstream) && server.includes(`127.0.0.1:${port}`));
  return server;
}
