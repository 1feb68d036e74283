import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { startUpstream } from './support/upstream.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-proxy-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'info' };

test('gatehouse proxy --upstream: an operator key made with the CLI passes; no credential is a 401', async () => {
  const init = runCli(env, ['init', '--org', 'Acme', '--email', 'ada@example.com', '--password-stdin'], 'correct horse battery staple\n');
  assert.equal(init.status, 0, init.stderr);
  const add = runCli(env, ['--json', 'token', 'add', '--org', 'acme', '--description', 'proxy test', '--scopes', 'memories:read']);
  assert.equal(add.status, 0, add.stderr);
  const key = String((JSON.parse(add.stdout) as { key: string }).key);
  registerSecret(key);
  const upstream = await startUpstream();
  const child = spawn(process.execPath, ['bin/gatehouse.js', 'proxy', '--upstream', upstream.url, '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        const m = /Gatehouse proxy listening on (http:\/\/[0-9.:]+)/.exec(buf);
        if (m?.[1]) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`proxy exited with ${code}: ${buf}`)));
    });
    const ok = await fetch(`${address}/notes`, { headers: { 'x-api-key': key } });
    assert.equal(ok.status, 200);
    const seen = (await ok.json()) as { headers: Record<string, string> };
    assert.match(seen.headers['x-gatehouse-subject'] ?? '', /^key_/);
    assert.equal((await fetch(`${address}/notes`)).status, 401);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await upstream.close();
  }
});

test('gatehouse proxy: an invalid policy exits 2 with its problems; a bad upstream URL is refused', () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'version: 1\nrules:\n  - path: /x\n    public: yes-please\n');
  const bad = runCli(env, ['proxy', '--upstream', 'http://127.0.0.1:9', '--policy', file]);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /rules\[0\]\.public: must be true or false/);
  const url = runCli(env, ['proxy', '--upstream', 'ftp://x']);
  assert.equal(url.status, 1);
  assert.match(url.stderr, /--upstream must be an http\(s\) URL/);
});
