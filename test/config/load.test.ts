import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, envName, loadConfig } from '../../src/config/index.ts';

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: 127.0.0.1:8080, embedded SQLite in ./data, token mode, RS256, 15 minute tokens', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.databaseUrl, 'sqlite:./data/gatehouse.db');
  assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
  assert.equal(c.issuer, 'http://127.0.0.1:8080');
  assert.equal(c.authMode, 'token');
  assert.equal(c.signingAlgorithm, 'RS256');
  assert.equal(c.accessTokenTtl, 900);
  assert.ok(Object.isFrozen(c));
});

test('environment variables override the file, which overrides defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
  const file = join(dir, 'gatehouse.config.json');
  writeFileSync(file, JSON.stringify({ port: 9000, host: '0.0.0.0', accessTokenTtl: '5m' }));
  const c = loadConfig({ env: { GATEHOUSE_PORT: '9100' }, file });
  assert.equal(c.port, 9100);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.accessTokenTtl, 300);
  assert.equal(c.publicUrl, 'http://0.0.0.0:9100');
});

test('legacy AUTH_MODE and DISABLE_AUTH are understood', () => {
  assert.equal(loadConfig({ env: { AUTH_MODE: 'oauth2' } }).authMode, 'oauth2');
  assert.equal(loadConfig({ env: { DISABLE_AUTH: 'true' } }).disableAuth, true);
});

test('unknown file keys and GATEHOUSE_ variables are rejected with a suggestion, all at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ prot: 1 }));
  const p = problems(() => loadConfig({ env: { GATEHOUSE_PROT: '1' }, file }));
  assert.equal(p.length, 2);
  assert.match(p.join('\n'), /unknown option "prot" \(did you mean "port"\?\)/);
  assert.match(p.join('\n'), /GATEHOUSE_PROT \(did you mean GATEHOUSE_PORT\?\)/);
});

test('wrong types and ranges give precise messages naming the source', () => {
  const p = problems(() =>
    loadConfig({ env: { GATEHOUSE_PORT: 'eighty', GATEHOUSE_AUTH_MODE: 'magic', GATEHOUSE_ACCESS_TOKEN_TTL: '1s' } }),
  );
  assert.match(p.join('\n'), /GATEHOUSE_PORT: expected an integer/);
  assert.match(p.join('\n'), /GATEHOUSE_AUTH_MODE: must be one of disabled, token, oauth2, all/);
  assert.match(p.join('\n'), /GATEHOUSE_ACCESS_TOKEN_TTL: must be at least 30s/);
});

test('a malformed config file is reported, not thrown raw', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, '{ nope');
  assert.match(problems(() => loadConfig({ env: {}, file })).join(''), /c\.json: /);
  writeFileSync(file, '[1]');
  assert.match(problems(() => loadConfig({ env: {}, file })).join(''), /expected a JSON object/);
});

test('env names are derived from keys', () => {
  assert.equal(envName('publicUrl'), 'GATEHOUSE_PUBLIC_URL');
  assert.equal(envName('keyEncryptionKey'), 'GATEHOUSE_KEY_ENCRYPTION_KEY');
  assert.equal(envName('allowHs256'), 'GATEHOUSE_ALLOW_HS256');
});

test('roleScopes: file only, validated per role', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ roleScopes: { member: ['read', 'contexts:write'] } }));
  assert.deepEqual(loadConfig({ env: {}, file }).roleScopes, { member: ['read', 'contexts:write'] });
  writeFileSync(file, JSON.stringify({ roleScopes: { guest: ['read'] } }));
  assert.match(problems(() => loadConfig({ env: {}, file })).join(''), /unknown role "guest"/);
  writeFileSync(file, JSON.stringify({ roleScopes: { member: 'read' } }));
  assert.match(problems(() => loadConfig({ env: {}, file })).join(''), /must be an array of scopes/);
});
