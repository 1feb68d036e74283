import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'gh-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function start(env: Record<string, string>): { child: ChildProcess; lines: Record<string, unknown>[]; ready: Promise<string> } {
  const child = spawn(process.execPath, ['bin/gatehouse.js', 'serve'], {
    env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const ready = new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let i = buf.indexOf('\n');
      while (i !== -1) {
        const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
        lines.push(line);
        if (typeof line.address === 'string') resolve(line.address);
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
  });
  return { child, lines, ready };
}

test('serve: first start creates the database and 0600 secrets, says how to get in, drains on SIGTERM', async () => {
  const { child, lines, ready } = start({});
  const address = await ready;
  assert.ok(existsSync(join(dir, 'gatehouse.db')));
  assert.equal(statSync(join(dir, 'pepper')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
  assert.ok(lines.some((l) => String(l.msg).includes('gatehouse init --org NAME --email EMAIL')));
  const res = await fetch(`${address}/health`);
  assert.equal(res.status, 200);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('serve: an invalid configuration exits non-zero with a precise message', async () => {
  const child = spawn(process.execPath, ['bin/gatehouse.js', 'serve'], {
    env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_PORT: 'http' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  assert.match(err, /GATEHOUSE_PORT: expected an integer/);
});
