/** Provider settings are validated once at start, with precise messages; secrets come from settings or files and stay out of errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { socialProviders } from '../../src/social/providers.ts';

const problems = (overrides: Record<string, unknown>, env: Record<string, string> = {}): string[] => {
  try {
    loadConfig({ env, file: undefined, overrides: overrides as never });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return [...err.problems];
  }
};

test('socialProviders: unknown keys, bad ids, reserved paths, insecure URLs, missing or doubled secrets are refused', () => {
  const base = { id: 'corp', issuer: 'https://sso.example', clientId: 'c', clientSecret: 's' };
  assert.deepEqual(problems({ socialProviders: [base] }), []);
  assert.match(problems({ socialProviders: [{ ...base, colour: 'red' }] })[0] ?? '', /socialProviders\[0\]: unknown key "colour"/);
  assert.match(problems({ socialProviders: [{ ...base, id: 'Corp!' }] })[0] ?? '', /\.id: lower-case/);
  assert.match(problems({ socialProviders: [{ ...base, id: 'login' }] })[0] ?? '', /"login" is a Gatehouse path/);
  assert.match(
    problems({ socialProviders: [{ ...base, issuer: 'http://sso.example' }] })[0] ?? '',
    /must be https \(http only for loopback\)/,
  );
  assert.match(
    problems({ socialProviders: [{ ...base, clientSecret: undefined }] })[0] ?? '',
    /clientSecret or clientSecretFile is required/,
  );
  assert.match(problems({ socialProviders: [{ ...base, clientSecretFile: '/x' }] })[0] ?? '', /not both/);
  assert.match(problems({ socialProviders: [{ ...base, issuer: undefined }] })[0] ?? '', /\.issuer: required/);
  assert.match(problems({ socialProviders: [{ ...base, scopes: ['email'] }] })[0] ?? '', /needs "openid"/);
  assert.match(problems({ socialProviders: [base, base] })[0] ?? '', /"corp" appears twice/);
  assert.match(problems({ socialProviders: [{ ...base, kind: 'saml' }] })[0] ?? '', /kind: one of oidc, github/);
  // No message quotes a secret.
  const secretive = problems({ socialProviders: [{ ...base, clientSecret: 'very-secret-value', colour: 1 }] });
  assert.ok(!secretive.join('\n').includes('very-secret-value'));
});

test('presets: google and github fill in their endpoints; the environment alone configures them, secrets from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-social-'));
  try {
    writeFileSync(join(dir, 'github'), 'file-secret\n');
    const config = loadConfig({
      env: {
        GATEHOUSE_GOOGLE_CLIENT_ID: 'g-id',
        GATEHOUSE_GOOGLE_CLIENT_SECRET: 'g-secret',
        GATEHOUSE_GITHUB_CLIENT_ID: 'gh-id',
        GATEHOUSE_GITHUB_CLIENT_SECRET_FILE: join(dir, 'github'),
      },
      file: undefined,
    });
    const providers = socialProviders(config);
    const google = providers.get('google');
    const github = providers.get('github');
    assert.equal(google?.config.issuer, 'https://accounts.google.com');
    assert.equal(google?.config.name, 'Google');
    assert.deepEqual(google?.config.scopes, ['openid', 'email', 'profile']);
    assert.equal(google?.clientSecret, 'g-secret');
    assert.equal(github?.config.kind, 'github');
    assert.equal(github?.config.tokenUrl, 'https://github.com/login/oauth/access_token');
    assert.equal(github?.config.apiUrl, 'https://api.github.com');
    assert.equal(github?.clientSecret, 'file-secret');
    const twice = loadConfig({
      env: { GATEHOUSE_GITHUB_CLIENT_ID: 'gh-id', GATEHOUSE_GITHUB_CLIENT_SECRET: 'x' },
      file: undefined,
      overrides: { socialProviders: [{ id: 'github', clientId: 'a', clientSecret: 'b' }] },
    });
    assert.throws(() => socialProviders(twice), /"github" is configured twice/);
    const missing = loadConfig({
      env: { GATEHOUSE_GITHUB_CLIENT_ID: 'gh-id', GATEHOUSE_GITHUB_CLIENT_SECRET_FILE: join(dir, 'nope') },
      file: undefined,
    });
    assert.throws(() => socialProviders(missing), /cannot read the client secret file: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
