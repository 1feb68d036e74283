/**
 * The tool-mesh page (seeds/001): organization registration with an API key, email login,
 * refresh, invitations, key rotation, validation, key lookup, per-tenant keys and health —
 * every documented request in order, verbatim but for the base URL (`http://localhost:8081`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isValidScope } from '../../src/authorization/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { type Answer, at, curl, type SeedServer, startSeedServer } from './support.ts';

const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('seeds/001: the tool-mesh authentication guide', () => {
  let s: SeedServer;
  let apiKey = '';
  let keyId = '';
  let adminJwt = '';
  let orgSlug = '';

  // The page's keys look like devmesh_xxxxx: a deployment that wants that sets its prefix.
  before(async () => {
    s = await startSeedServer({ GATEHOUSE_API_KEY_PREFIX: 'devmesh_', GATEHOUSE_RATE_LIMIT_ANONYMOUS: '1000' });
  });
  after(async () => s.close());

  const expectOk = (r: Answer, status: number) => assert.equal(r.status, status, r.text.slice(0, 300));

  test('1. register an organization: the answer includes "api_key": "devmesh_…", usable as a Bearer token', async () => {
    const r = await curl(
      s.base,
      'POST',
      '/api/v1/auth/register/organization',
      JSON_TYPE,
      `{
    "organization_name": "My Company",
    "organization_slug": "my-company",
    "admin_email": "admin@company.com",
    "admin_name": "Admin",
    "admin_password": "SecurePass123!"
  }`,
    );
    expectOk(r, 201);
    apiKey = String(r.json.api_key);
    registerSecret(apiKey);
    assert.match(apiKey, /^devmesh_[0-9A-Za-z]{39}$/, 'api_key is the key string');
    keyId = String(at(r.json, 'api_key_details', 'id'));
    assert.match(keyId, /^key_/);
    assert.equal(at(r.json, 'api_key_details', 'key'), undefined, 'the secret is not repeated');
    orgSlug = String(at(r.json, 'organization', 'slug'));
    assert.equal(orgSlug, 'my-company');
    // The page then calls its own product API (tools) with it; Gatehouse answers who the key is.
    const me = await curl(s.base, 'GET', '/v1/auth/me', { Authorization: `Bearer ${apiKey}` });
    expectOk(me, 200);
    assert.equal(at(me.json, 'principal', 'kind'), 'api_key');
    const tools = await curl(s.base, 'GET', '/api/v1/tools', { Authorization: `Bearer ${apiKey}` });
    assert.equal(tools.status, 404, 'tools are the product API Gatehouse protects, not one it serves');
  });

  test('2. login with email and password: access_token and refresh_token', async () => {
    const r = await curl(
      s.base,
      'POST',
      '/api/v1/auth/login',
      JSON_TYPE,
      JSON.stringify({ email: 'admin@company.com', password: 'SecurePass123!' }),
    );
    expectOk(r, 200);
    adminJwt = String(r.json.access_token);
    registerSecret(adminJwt);
    registerSecret(String(r.json.refresh_token));
    assert.equal(adminJwt.split('.').length, 3);
    assert.equal(typeof r.json.refresh_token, 'string');
    // The page says refresh answers 501; Gatehouse rotates the refresh token.
    const refreshed = await curl(
      s.base,
      'POST',
      '/api/v1/auth/refresh',
      JSON_TYPE,
      JSON.stringify({ refresh_token: r.json.refresh_token }),
    );
    expectOk(refreshed, 200);
    registerSecret(String(refreshed.json.access_token));
    registerSecret(String(refreshed.json.refresh_token));
    assert.notEqual(refreshed.json.refresh_token, r.json.refresh_token);
  });

  test('3. invite a user with email, name and role, authenticated by the API key', async () => {
    const r = await curl(
      s.base,
      'POST',
      '/api/v1/auth/users/invite',
      { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      JSON.stringify({ email: 'new.member@company.com', name: 'New Member', role: 'member' }),
    );
    expectOk(r, 201);
    registerSecret(String(r.json.token));
    assert.equal(r.json.email, 'new.member@company.com');
    assert.equal(r.json.name, 'New Member');
    assert.equal(r.json.role, 'member');
    for (const role of ['admin', 'readonly']) {
      const other = await curl(
        s.base,
        'POST',
        '/api/v1/auth/users/invite',
        { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
        JSON.stringify({ email: `${role}.user@company.com`, name: role, role }),
      );
      expectOk(other, 201);
      registerSecret(String(other.json.token));
    }
    // Accepting with the invitation's token: the name the inviter gave becomes the display name.
    const accepted = await curl(
      s.base,
      'POST',
      '/v1/invitations/accept',
      JSON_TYPE,
      JSON.stringify({ token: r.json.token, password: 'member long password' }),
    );
    expectOk(accepted, 200);
    registerSecret(String(at(accepted.json, 'tokens', 'access_token')));
    registerSecret(String(at(accepted.json, 'tokens', 'refresh_token')));
    const me = await curl(s.base, 'GET', '/v1/auth/me', { Authorization: `Bearer ${at(accepted.json, 'tokens', 'access_token')}` });
    assert.equal(at(me.json, 'user', 'name'), 'New Member');
  });

  test('4. scopes of the page exist in the grammar, and its rate-limit tiers are a valid configuration', () => {
    const tiers = {
      default: { requests_per_minute: 60, burst: 120 },
      authenticated: { requests_per_minute: 1000, burst: 3000 },
      premium: { requests_per_minute: 10000, burst: 30000 },
    };
    const config = loadConfig({ env: {}, overrides: { rateLimitTiers: tiers } });
    assert.deepEqual(config.rateLimitTiers, tiers);
    for (const scope of ['contexts:read', 'contexts:write', 'tools:execute:github', 'metrics:read', '*:*'])
      assert.ok(isValidScope(scope), scope);
  });

  test('5. rotate an API key with the admin JWT (no body), and with an empty JSON body', async () => {
    const r = await curl(s.base, 'POST', `/api/v1/auth/keys/${keyId}/rotate`, { Authorization: `Bearer ${adminJwt}` });
    expectOk(r, 201);
    registerSecret(String(r.json.key));
    assert.match(String(r.json.key), /^devmesh_/);
    const again = await curl(s.base, 'POST', `/api/v1/auth/keys/${String(r.json.id)}/rotate`, {
      Authorization: `Bearer ${adminJwt}`,
      'Content-Type': 'application/json',
    });
    expectOk(again, 201);
    registerSecret(String(again.json.key));
    apiKey = String(again.json.key);
    keyId = String(again.json.id);
  });

  test('6. debug: validate a token, look up a key, see the rate-limit headers', async () => {
    const v = await curl(s.base, 'POST', '/api/v1/auth/validate', { Authorization: `Bearer ${adminJwt}` });
    expectOk(v, 200);
    assert.equal(v.json.valid, true);
    assert.equal(at(v.json, 'claims', 'sub'), at(v.json, 'principal', 'subject'));
    const k = await curl(s.base, 'GET', `/api/v1/auth/keys/${keyId}`, { Authorization: `Bearer ${adminJwt}` });
    expectOk(k, 200);
    assert.deepEqual(k.json.scopes, ['*']);
    const head = await curl(s.base, 'HEAD', '/api/v1/contexts', { 'X-API-Key': apiKey });
    assert.equal(head.status, 404, 'contexts are the product API');
    for (const h of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'])
      assert.match(String(head.headers.get(h)), /^\d+$/, h);
  });

  test('7. the troubleshooting table: 401 for a revoked key, 403 insufficient scope', async () => {
    const narrow = await curl(
      s.base,
      'POST',
      '/api/v1/auth/keys',
      { Authorization: `Bearer ${adminJwt}`, 'Content-Type': 'application/json' },
      JSON.stringify({ name: 'monitoring', scopes: ['contexts:read', 'metrics:read'] }),
    );
    expectOk(narrow, 201);
    registerSecret(String(narrow.json.key));
    const denied = await curl(
      s.base,
      'POST',
      '/v1/auth/check',
      { 'X-API-Key': String(narrow.json.key), ...JSON_TYPE },
      '{"required_scopes":["contexts:write"]}',
    );
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error, 'insufficient_scope');
    await curl(s.base, 'DELETE', `/v1/api-keys/${String(narrow.json.id)}`, { Authorization: `Bearer ${adminJwt}` });
    const revoked = await curl(s.base, 'GET', '/api/v1/health', { 'X-API-Key': String(narrow.json.key) });
    assert.equal(revoked.status, 200, 'health needs no credential');
    const refused = await curl(s.base, 'POST', '/api/v1/auth/validate', { 'X-API-Key': String(narrow.json.key) });
    assert.equal(refused.status, 401);
    assert.match(String(refused.headers.get('www-authenticate')), /^Bearer realm="gatehouse", error="invalid_token"/);
  });

  test('8. migration: a key per service with scopes and tenant_id — the own tenant works, another is a 404', async () => {
    for (const service of ['ai-agent', 'monitoring', 'analytics']) {
      const r = await curl(
        s.base,
        'POST',
        '/api/v1/auth/keys',
        { Authorization: `Bearer ${adminJwt}`, 'Content-Type': 'application/json' },
        `{
      "name": "${service}-migration",
      "scopes": ["contexts:read", "contexts:write"],
      "tenant_id": "${service}-tenant"
    }`,
      );
      assert.equal(r.status, 404, `${service}: no such tenant of the caller`);
      assert.equal(r.json.error, 'not_found');
    }
    const own = await curl(
      s.base,
      'POST',
      '/api/v1/auth/keys',
      { Authorization: `Bearer ${adminJwt}`, 'Content-Type': 'application/json' },
      JSON.stringify({ name: 'ai-agent-migration', scopes: ['contexts:read', 'contexts:write'], tenant_id: orgSlug }),
    );
    expectOk(own, 201);
    registerSecret(String(own.json.key));
    const unknown = await curl(
      s.base,
      'POST',
      '/api/v1/auth/keys',
      { Authorization: `Bearer ${adminJwt}`, 'Content-Type': 'application/json' },
      JSON.stringify({ name: 'x', scopes: ['contexts:read'], tenant: orgSlug }),
    );
    assert.equal(unknown.status, 400, 'properties no page documents stay refused');
    // "Test new authentication": health with the new key.
    const health = await curl(s.base, 'GET', '/api/v1/health', { 'X-API-Key': String(own.json.key) });
    expectOk(health, 200);
    assert.equal(health.json.status, 'ok');
  });

  test('the aliases are in the OpenAPI document, deprecated, next to the native routes', async () => {
    const doc = await curl(s.base, 'GET', '/openapi.json');
    const paths = doc.json.paths as Record<string, Record<string, { deprecated?: boolean }>>;
    assert.equal(paths['/api/v1/auth/register/organization']?.post?.deprecated, true);
    assert.equal(paths['/api/v1/auth/keys/{id}/rotate']?.post?.deprecated, true);
    assert.equal(paths['/v1/organizations/register']?.post?.deprecated, undefined);
  });
});
