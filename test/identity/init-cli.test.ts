import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'gh-init-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'silent' };
const run = (args: string[], input: string) => spawnSync(process.execPath, ['bin/gatehouse.js', ...args], { env, input, encoding: 'utf8' });

test('gatehouse init: creates the first organization and owner once; refuses bad input and a second run', () => {
  const short = run(['init', '--org', 'Acme Inc', '--email', 'ada@example.com', '--password-stdin'], 'short\n');
  assert.equal(short.status, 1);
  assert.match(short.stderr, /8 to 256 characters/);
  for (const weak of ['12345678', 'ada@example.com', 'Acme Inc']) {
    const res = run(['init', '--org', 'Acme Inc', '--email', 'ada@example.com', '--password-stdin'], `${weak}\n`);
    assert.equal(res.status, 1, weak);
    assert.match(res.stderr, /too easy|common or easily guessed|your own email/, weak);
    assert.ok(!res.stderr.includes(weak === '12345678' ? weak : '\u0000'), 'never echoed');
  }
  const badEmail = run(['init', '--org', 'Acme Inc', '--email', 'nope', '--password-stdin'], 'a long password\n');
  assert.equal(badEmail.status, 1);
  assert.match(badEmail.stderr, /invalid email/);
  const ok = run(['init', '--org', 'Acme Inc', '--email', 'ada@example.com', '--password-stdin', '--json'], 'a long password\n');
  assert.equal(ok.status, 0, ok.stderr);
  const out = JSON.parse(ok.stdout);
  assert.equal(out.organization.slug, 'acme-inc');
  assert.match(out.user.id, /^usr_/);
  assert.ok(!ok.stdout.includes('a long password'));
  const again = run(['init', '--org', 'Other', '--email', 'bob@example.com', '--password-stdin'], 'a long password\n');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already has users/);
  const noTty = run(['init', '--org', 'Other', '--email', 'bob@example.com'], '');
  assert.equal(noTty.status, 1);
  assert.match(noTty.stderr, /--password-stdin/);
});
