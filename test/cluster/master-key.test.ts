import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { loadServerSecrets, readSecretLines } from '../../src/lib/server-secrets.ts';
import { openPrivateKey } from '../../src/tokens/key-material.ts';
import { cliWorkspace, runCli } from '../support/cli.ts';

const ws = cliWorkspace('sqlite');
before(ws.setup);
after(ws.dispose);

const masterKey = () => join(ws.dir, 'master.key');

/** Which of `keys` opens every stored signing key (index), or -1 when some key opens with none. */
function sealedUnder(keys: readonly Buffer[]): number[] {
  const db = new SQLite(join(ws.dir, 'gatehouse.db'), { readonly: true });
  try {
    const rows = db.prepare('select kid, private_key_enc from signing_keys').all() as { kid: string; private_key_enc: string }[];
    assert.ok(rows.length > 0);
    return rows.map((r) =>
      keys.findIndex((k) => {
        try {
          openPrivateKey(k, r.kid, r.private_key_enc);
          return true;
        } catch {
          return false;
        }
      }),
    );
  } finally {
    db.close();
  }
}

test('rotate-master: a new master.key, every signing key re-encrypted under it, the old one gone', () => {
  assert.equal(ws.run(['keys', 'rotate']).status, 0);
  assert.equal(ws.run(['keys', 'rotate']).status, 0);
  const [old] = readSecretLines(masterKey()) as [Buffer];
  assert.deepEqual(sealedUnder([old]), [0, 0, 0]);
  const res = ws.run(['--json', 'keys', 'rotate-master']);
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(JSON.parse(res.stdout), { keys: 3, reencrypted: 3, source: 'data-dir', resumed: false });
  const lines = readSecretLines(masterKey());
  assert.equal(lines.length, 1);
  const [next] = lines as [Buffer];
  assert.ok(!next.equals(old));
  assert.deepEqual(sealedUnder([next, old]), [0, 0, 0]);
  // The server's own reading path opens them: list and rotate work under the new key.
  assert.equal(ws.run(['keys', 'rotate']).status, 0);
  assert.deepEqual(sealedUnder([next]), [0, 0, 0, 0]);
});

test('rotate-master: a crash after the key file gained the new key leaves a working state, and a re-run finishes', () => {
  const [old] = readSecretLines(masterKey()) as [Buffer];
  const next = randomBytes(32);
  // State after step 1 (file = new, old) and before the transaction: the keys are still sealed under the old one.
  writeFileSync(masterKey(), `${next.toString('base64url')}\n${old.toString('base64url')}\n`, { mode: 0o600 });
  const secrets = loadServerSecrets({ dataDir: ws.dir });
  assert.ok(secrets.keyEncryptionKey.equals(next));
  assert.equal(ws.run(['keys', 'rotate']).status, 0, 'a process reading the two-line file opens the old keys and seals new ones');
  assert.deepEqual(sealedUnder([next, old]).sort(), [0, 1, 1, 1, 1]);
  const res = ws.run(['--json', 'keys', 'rotate-master']);
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(JSON.parse(res.stdout), { keys: 5, reencrypted: 4, source: 'data-dir', resumed: true });
  assert.equal(readFileSync(masterKey(), 'utf8'), `${next.toString('base64url')}\n`);
  assert.deepEqual(sealedUnder([next]), [0, 0, 0, 0, 0]);
});

test('rotate-master with the key in configuration: re-seals under it, reading with previousKeyEncryptionKeys', () => {
  const [current] = readSecretLines(masterKey()) as [Buffer];
  const next = randomBytes(32);
  const file = join(ws.dir, 'kms-mount-key');
  writeFileSync(file, `${next.toString('base64url')}\n`, { mode: 0o600 });
  const env = { ...ws.env, GATEHOUSE_KEY_ENCRYPTION_KEY_FILE: file };
  const refused = runCli(env, ['keys', 'rotate-master']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /opens with none of the configured key-encryption keys; nothing was changed/);
  assert.deepEqual(sealedUnder([current]), [0, 0, 0, 0, 0]);
  const ok = runCli({ ...env, GATEHOUSE_PREVIOUS_KEY_ENCRYPTION_KEYS: current.toString('base64url') }, ['--json', 'keys', 'rotate-master']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), { keys: 5, reencrypted: 5, source: 'file', resumed: false });
  assert.deepEqual(sealedUnder([next]), [0, 0, 0, 0, 0]);
  assert.equal(runCli(env, ['keys', 'rotate']).status, 0);
  assert.equal(readFileSync(masterKey(), 'utf8'), `${current.toString('base64url')}\n`, 'the data-dir file is left alone');
});

test('secrets: pepper from a file; a value and a file for the same secret is refused', () => {
  const file = join(ws.dir, 'pepper-mount');
  const pepper = randomBytes(32);
  writeFileSync(file, `${pepper.toString('base64url')}\n`);
  const secrets = loadServerSecrets({ dataDir: ws.dir, pepperFile: file });
  assert.ok(secrets.pepper.equals(pepper));
  assert.throws(
    () => loadServerSecrets({ dataDir: ws.dir, pepperFile: file, pepper: pepper.toString('base64url') }),
    /set pepper or pepperFile, not both/,
  );
  const res = runCli({ ...ws.env, GATEHOUSE_PEPPER_FILE: join(ws.dir, 'missing') }, ['keys', 'list']);
  assert.equal(res.status, 1);
  assert.match(res.stderr, /ENOENT/);
});
