/**
 * The API-design guide (seeds/004): `Authorization: Api-Key …` and `X-API-Key`, HS256 access
 * tokens made the way the guide makes them (15 minutes, `scope`, `role`), scope checks, and the
 * guide's own secret refused for being too short.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config/index.ts';
import { sharedSecretKey } from '../../src/external/shared-secret.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { at, curl, type SeedServer, startSeedServer } from './support.ts';

const SECRET_KEY = 'a-long-random-secret-key-of-at-least-32-bytes';

describe('seeds/004: the API authentication guide', () => {
  let s: SeedServer;
  let key = '';
  const secret = new TextEncoder().encode(SECRET_KEY);

  before(async () => {
    registerSecret(SECRET_KEY);
    s = await startSeedServer({
      GATEHOUSE_AUTH_MODE: 'all',
      GATEHOUSE_JWT_SHARED_SECRET: SECRET_KEY,
      GATEHOUSE_JWT_SHARED_SECRET_ISSUER: 'https://api.example.com',
      GATEHOUSE_JWT_SHARED_SECRET_AUDIENCE: 'https://api.example.com',
    });
    const r = await curl(
      s.base,
      'POST',
      '/v1/organizations/register',
      { 'content-type': 'application/json' },
      '{"organization_name":"Example","organization_slug":"example","admin_email":"a@example.com","admin_name":"A","admin_password":"example long password"}',
    );
    registerSecret(String(at(r.json, 'tokens', 'access_token')));
    registerSecret(String(at(r.json, 'tokens', 'refresh_token')));
    key = String(at(r.json, 'api_key', 'key'));
    registerSecret(key);
  });
  after(async () => s.close());

  test('Authorization: Api-Key <key> and X-API-Key: <key> both authenticate; a made-up key is a 401', async () => {
    const variants: Record<string, string>[] = [{ Authorization: `Api-Key ${key}` }, { 'X-API-Key': key }];
    for (const headers of variants) {
      const r = await curl(s.base, 'GET', '/v1/auth/me', headers);
      assert.equal(r.status, 200);
      assert.equal(at(r.json, 'principal', 'kind'), 'api_key');
    }
    const made = await curl(s.base, 'GET', '/v1/auth/me', { Authorization: 'Api-Key sk_live_abc123xyz' });
    assert.equal(made.status, 401, 'Invalid API key');
    assert.equal(made.json.code, 'ERR-5001');
  });

  test("create_access_token as the guide writes it (HS256, 15 minutes) is accepted, with the guide's claims", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      sub: 'user-123',
      iss: 'https://api.example.com',
      aud: 'https://api.example.com',
      jti: 'unique-token-id',
      scope: 'read:users write:users',
      role: 'admin',
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(now + 15 * 60)
      .sign(secret);
    const auth = { Authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const r = await curl(s.base, 'POST', '/v1/auth/check', auth, '{"required_scopes":["read:users"]}');
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.deepEqual(at(r.json, 'principal', 'scopes'), ['read:users', 'write:users']);
    assert.equal(at(r.json, 'principal', 'role'), null, 'a "role" claim is no Gatehouse role');
    // require_scope("delete:users"): 403 naming the scope.
    const del = await curl(s.base, 'POST', '/v1/auth/check', auth, '{"required_scopes":["delete:users"]}');
    assert.equal(del.status, 403);
    assert.match(String(del.headers.get('www-authenticate')), /error="insufficient_scope".*scope="delete:users"/);
    const signing = await curl(s.base, 'GET', '/v1/signing-keys', { Authorization: `Bearer ${token}` });
    assert.equal(signing.status, 403, '"role": "admin" administers nothing');
  });

  test('hostile tokens: alg confusion, none, missing exp, another issuer or audience', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'user-123', iss: 'https://api.example.com', aud: 'https://api.example.com', scope: 'read:users' };
    const sign = (c: Record<string, unknown>, alg = 'HS256') =>
      new SignJWT(c)
        .setProtectedHeader({ alg })
        .setExpirationTime(now + 900)
        .sign(secret);
    const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url');
    const noExp = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    const cases: [string, string, string][] = [
      ['none', `${b64({ alg: 'none' })}.${b64({ ...claims, exp: now + 900 })}.`, 'invalid_token'],
      ['HS512 not allowed here', await sign(claims, 'HS512'), 'unsupported_algorithm'],
      ['exp is required', noExp, 'invalid_token'],
      ['another audience', await sign({ ...claims, aud: 'https://elsewhere.example' }), 'invalid_audience'],
      ['no issuer', await sign({ sub: 'user-123', aud: 'https://api.example.com' }), 'invalid_issuer'],
    ];
    for (const [name, token, error] of cases) {
      const r = await curl(s.base, 'POST', '/v1/auth/check', { Authorization: `Bearer ${token}` });
      assert.equal(r.status, 401, name);
      assert.equal(r.json.error, error, name);
    }
  });

  test('the guide\'s SECRET_KEY = "your-secret-key" is refused at start: too short for HMAC', () => {
    assert.throws(
      () => loadConfig({ env: { GATEHOUSE_JWT_SHARED_SECRET: 'your-secret-key' } }),
      /GATEHOUSE_JWT_SHARED_SECRET: must be at least 32/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'gh-secret-'));
    try {
      writeFileSync(join(dir, 'secret'), 'your-secret-key\n');
      const config = loadConfig({ env: { GATEHOUSE_JWT_SHARED_SECRET_FILE: join(dir, 'secret') } });
      assert.throws(() => sharedSecretKey(config), /at least 32 bytes \(it has 15\)/);
      writeFileSync(join(dir, 'secret'), `${SECRET_KEY}\n`);
      assert.equal(
        sharedSecretKey(loadConfig({ env: { GATEHOUSE_JWT_SHARED_SECRET_FILE: join(dir, 'secret') } }))?.symmetricKeySize,
        SECRET_KEY.length,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => loadConfig({ env: { GATEHOUSE_JWT_SHARED_SECRET_ALGORITHMS: 'RS256' } }), /HMAC only/);
  });
});
