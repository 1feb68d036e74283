/**
 * The agent-memory example (seeds/000): `auth create-key --name "my-app"` answering an `ek_live_…`
 * key, shared-secret JWTs with `memory_space_id` and `permissions`, memory-space scoping explicit
 * and implicit, and ERR-4004 for an expired credential.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { registerSecret } from '../support/secrets-watch.ts';
import { at, curl, initOperator, type SeedServer, startSeedServer } from './support.ts';

const SECRET = 'a shared secret of at least thirty-two bytes, from the environment';

describe('seeds/000: the agent-memory authentication example', () => {
  let s: SeedServer;
  const secret = new TextEncoder().encode(SECRET);

  before(async () => {
    registerSecret(SECRET);
    s = await startSeedServer({
      GATEHOUSE_API_KEY_PREFIX: 'ek',
      GATEHOUSE_AUTH_MODE: 'all',
      GATEHOUSE_JWT_SHARED_SECRET: SECRET,
      // The page's token carries no exp: accepting that is an explicit, documented waiver.
      GATEHOUSE_JWT_SHARED_SECRET_REQUIRE_EXP: 'false',
    });
    initOperator(s);
    // The page's memory spaces exist on its server: an operator creates them here (Gatehouse only
    // affirms spaces an organization has).
    const login = await curl(
      s.base,
      'POST',
      '/v1/auth/login',
      { 'content-type': 'application/json' },
      '{"email":"ops@example.com","password":"operator long password"}',
    );
    const ops = String(at(login.json, 'access_token'));
    registerSecret(ops);
    for (const name of ['tenant_acme', 'tenant_globex']) {
      const created = await curl(
        s.base,
        'POST',
        '/v1/organizations/acme/memory-spaces',
        { 'content-type': 'application/json', authorization: `Bearer ${ops}` },
        JSON.stringify({ name }),
      );
      assert.equal(created.status, 201, JSON.stringify(created.json));
    }
    const r = await curl(
      s.base,
      'POST',
      '/v1/auth/register',
      { 'content-type': 'application/json' },
      '{"email":"u@example.com","password":"user long password"}',
    );
    registerSecret(String(at(r.json, 'tokens', 'access_token')));
    registerSecret(String(at(r.json, 'tokens', 'refresh_token')));
  });
  after(async () => s.close());

  test('auth create-key --name "my-app" returns ek_live_…, which the server (prefix ek) accepts', async () => {
    const r = s.cli(['auth', 'create-key', '--name', 'my-app']);
    assert.equal(r.status, 0, r.stderr);
    const key = r.stdout.split('\n')[0] ?? '';
    registerSecret(key);
    assert.match(key, /^ek_live_[0-9A-Za-z]{39}$/);
    assert.match(r.stderr, /using the operator organization acme/, 'several organizations exist: it says which it used');
    const me = await curl(s.base, 'GET', '/v1/auth/me', { Authorization: `Bearer ${key}` });
    assert.equal(me.status, 200);
    assert.equal(at(me.json, 'organization', 'slug'), 'acme');
  });

  test('a JWT with sub, memory_space_id and permissions, signed with the shared secret, is scoped to its space', async () => {
    const token = await new SignJWT({ sub: 'user_123', memory_space_id: 'tenant_acme', permissions: ['read', 'write'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(secret);
    const auth = { Authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // Implicit from the token: every operation is scoped to tenant_acme.
    const implicit = await curl(s.base, 'POST', '/v1/auth/check', auth, '{"required_scopes":["write"]}');
    assert.equal(implicit.status, 200, implicit.text.slice(0, 200));
    assert.equal(implicit.json.memory_space, 'tenant_acme');
    assert.deepEqual(at(implicit.json, 'principal', 'memory_spaces'), ['tenant_acme']);
    assert.deepEqual(at(implicit.json, 'principal', 'scopes'), ['read', 'write']);
    assert.equal(at(implicit.json, 'principal', 'subject'), 'user_123');
    // Explicit space: the same one is allowed, another tenant's is not.
    const explicit = await curl(s.base, 'POST', '/v1/auth/check', auth, '{"memory_space_id":"tenant_acme"}');
    assert.equal(explicit.status, 200);
    const other = await curl(s.base, 'POST', '/v1/auth/check', auth, '{"memory_space_id":"tenant_globex"}');
    assert.equal(other.status, 403);
    assert.equal(other.json.error, 'memory_space_forbidden');
    const admin = await curl(s.base, 'POST', '/v1/auth/check', auth, '{"required_scopes":["admin"]}');
    assert.equal(admin.status, 403, 'read and write only');
  });

  test('an expired credential is ERR-4004', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: 'user_123', memory_space_id: 'tenant_acme', permissions: ['read'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(secret);
    const r = await curl(s.base, 'POST', '/v1/auth/check', { Authorization: `Bearer ${token}` });
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'ERR-4004');
    assert.equal(
      r.headers.get('www-authenticate'),
      'Bearer realm="gatehouse", error="invalid_token", error_description="Token has expired"',
    );
  });

  test('a token signed with another secret, or with alg none, is refused', async () => {
    const forged = await new SignJWT({ sub: 'user_123', memory_space_id: 'tenant_acme', permissions: ['read', 'write'] })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('another secret that is also long enough to sign'));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"user_123","permissions":["write"]}').toString('base64url')}.`;
    for (const token of [forged, none]) {
      const r = await curl(s.base, 'POST', '/v1/auth/check', { Authorization: `Bearer ${token}` });
      assert.equal(r.status, 401);
    }
  });
});
