/**
 * The trigger-service page (seeds/002): register, username login answering `token` and
 * `expires_at`, organizations, social login (not yet), API keys with `organization_id`, the
 * `X-API-Key` header and rate-limit headers — verbatim but for the base URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerSecret } from '../support/secrets-watch.ts';
import { at, curl, type SeedServer, startSeedServer } from './support.ts';

const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('seeds/002: the trigger-service authentication page', () => {
  let s: SeedServer;
  let token = '';
  let orgId = '';
  let key = '';

  before(async () => {
    s = await startSeedServer();
  });
  after(async () => s.close());

  test('register a new account with username, email and password', async () => {
    const r = await curl(
      s.base,
      'POST',
      '/api/v1/auth/register',
      JSON_TYPE,
      `{
    "username": "myuser",
    "email": "user@example.com",
    "password": "secure-password-123"
  }`,
    );
    assert.equal(r.status, 201, r.text.slice(0, 200));
    registerSecret(String(at(r.json, 'tokens', 'access_token')));
    registerSecret(String(at(r.json, 'tokens', 'refresh_token')));
    assert.equal(at(r.json, 'user', 'username'), 'myuser');
    orgId = String(at(r.json, 'organization', 'id'));
  });

  test('login with username: the answer has token and expires_at', async () => {
    const r = await curl(
      s.base,
      'POST',
      '/api/v1/auth/login',
      JSON_TYPE,
      `{
    "username": "myuser",
    "password": "secure-password-123"
  }`,
    );
    assert.equal(r.status, 200, r.text.slice(0, 200));
    token = String(r.json.token);
    registerSecret(token);
    registerSecret(String(r.json.refresh_token));
    assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(r.json.token, r.json.access_token);
    const expiresAt = Date.parse(String(r.json.expires_at));
    assert.ok(expiresAt > Date.now(), 'expires_at is an ISO date in the future');
    // Gatehouse's access tokens live 15 minutes (the page: 1 hour); expires_at says which.
    assert.ok(expiresAt - Date.now() <= 15 * 60_000 + 5_000);
  });

  test('use the JWT: list organizations', async () => {
    const r = await curl(s.base, 'GET', '/api/v1/organizations', { Authorization: `Bearer ${token}` });
    assert.equal(r.status, 200);
    assert.deepEqual(
      (r.json.data as { id: string }[]).map((o) => o.id),
      [orgId],
    );
  });

  test('Google and GitHub login are served; without the provider configured they answer 404 social_provider_unknown (test/social drives them configured)', async () => {
    for (const provider of ['google', 'github']) {
      const r = await curl(s.base, 'GET', `/api/v1/auth/${provider}`);
      assert.equal(r.status, 404, provider);
      assert.equal(r.json.error, 'social_provider_unknown');
    }
  });

  test('create an API key with name, organization_id and scopes: id, key, name, scopes; shown once', async () => {
    const r = await curl(
      s.base,
      'POST',
      '/api/v1/api-keys',
      { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      `{
    "name": "Production Server",
    "organization_id": "${orgId}",
    "scopes": ["triggers:read", "triggers:write"]
  }`,
    );
    assert.equal(r.status, 201, r.text.slice(0, 200));
    key = String(r.json.key);
    registerSecret(key);
    assert.match(String(r.json.id), /^key_/);
    assert.match(key, /^sk_live_[0-9A-Za-z]{39}$/);
    assert.equal(r.json.name, 'Production Server');
    assert.deepEqual(r.json.scopes, ['triggers:read', 'triggers:write']);
    const again = await curl(s.base, 'GET', `/v1/api-keys/${String(r.json.id)}`, { Authorization: `Bearer ${token}` });
    assert.equal(again.json.key, undefined, 'only shown once');
  });

  test("another organization's id in organization_id is a 404, like any cross-tenant access", async () => {
    const other = await curl(
      s.base,
      'POST',
      '/api/v1/auth/register',
      JSON_TYPE,
      '{"username":"other","email":"o@example.com","password":"other long password"}',
    );
    registerSecret(String(at(other.json, 'tokens', 'access_token')));
    registerSecret(String(at(other.json, 'tokens', 'refresh_token')));
    for (const ref of [String(at(other.json, 'organization', 'id')), String(at(other.json, 'organization', 'slug')), 'org_doesnotexist']) {
      const r = await curl(
        s.base,
        'POST',
        '/api/v1/api-keys',
        { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        JSON.stringify({ name: 'x', organization_id: ref, scopes: ['triggers:read'] }),
      );
      assert.equal(r.status, 404, ref);
      assert.equal(r.json.error, 'not_found');
    }
  });

  test('use the API key in X-API-Key; rate-limit headers in every response', async () => {
    const triggers = await curl(s.base, 'GET', '/api/v1/triggers', { 'X-API-Key': key });
    assert.equal(triggers.status, 404, 'triggers are the product API Gatehouse protects');
    const check = await curl(s.base, 'POST', '/v1/auth/check', { 'X-API-Key': key });
    assert.equal(check.status, 200, 'an API key: 100 requests a minute');
    assert.equal(check.headers.get('X-RateLimit-Limit'), '100');
    assert.match(String(check.headers.get('X-RateLimit-Reset')), /^\d{10}$/);
    const jwt = await curl(s.base, 'GET', '/api/v1/organizations', { Authorization: `Bearer ${token}` });
    assert.equal(jwt.headers.get('X-RateLimit-Limit'), '100', 'a JWT: 100 requests a minute');
    for (const answer of [triggers, await curl(s.base, 'GET', '/health'), await curl(s.base, 'GET', '/api/v1/health')]) {
      assert.equal(answer.headers.get('X-RateLimit-Limit'), '10', 'anonymous: 10 requests a minute');
      assert.match(String(answer.headers.get('X-RateLimit-Remaining')), /^\d+$/);
      assert.match(String(answer.headers.get('X-RateLimit-Reset')), /^\d{10}$/);
    }
  });

  test('an expired or invalid token is a 401', async () => {
    const r = await curl(s.base, 'GET', '/api/v1/organizations', { Authorization: `Bearer ${token.slice(0, -4)}AAAA` });
    assert.equal(r.status, 401);
    assert.match(String(r.headers.get('www-authenticate')), /^Bearer realm="gatehouse", error="invalid_token"/);
  });
});
