/**
 * Rate limits as callers see them: headers on every limited response, 429 problem+json with
 * Retry-After, per-IP buckets that X-Forwarded-For cannot reset, tiers, the decision API, nodes
 * sharing Redis, Redis outages, and the audit event of a first excess.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { ConfigKey } from '../../src/config/index.ts';
import { bearer, createKey, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const apps: TestApp[] = [];
after(async () => {
  for (const a of apps) await a.close();
});

async function app(overrides: Partial<Record<ConfigKey, unknown>> = {}, withApp?: TestApp): Promise<TestApp> {
  const t = await createTestApp('sqlite', { rateLimitEnabled: true, rateLimitAnonymous: 1000, ...overrides }, withApp?.clock);
  apps.push(t);
  return t;
}

const me = (t: TestApp, token: string, extra: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { ...bearer(token), ...extra } });

const login = (t: TestApp, ip: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    remoteAddress: ip,
    headers,
    payload: { email: 'nobody@example.com', password: 'not the password' },
  });

describe('rate limits on one node', () => {
  test('a user token: headers on every response, then 429 problem+json with Retry-After', async () => {
    const t = await app({ rateLimitUser: 3 });
    const owner = await registerOrg(t);
    const now = Math.floor(t.clock.now() / 1000);
    const first = await me(t, owner.access);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['x-ratelimit-limit'], '3');
    assert.equal(first.headers['x-ratelimit-remaining'], '2');
    assert.equal(first.headers['x-ratelimit-reset'], String(now + 20), 'full again after one emission interval');
    assert.equal(first.headers['ratelimit-policy'], '"user";q=3;w=60');
    assert.equal(first.headers.ratelimit, '"user";r=2;t=20');
    assert.equal((await me(t, owner.access)).headers['x-ratelimit-remaining'], '1');
    assert.equal((await me(t, owner.access)).headers['x-ratelimit-remaining'], '0');
    const refused = await me(t, owner.access);
    assert.equal(refused.statusCode, 429);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.equal(refused.json().code, 'ERR-7001');
    assert.equal(refused.headers['retry-after'], '20');
    assert.equal(refused.headers['x-ratelimit-remaining'], '0');
    assert.equal(refused.headers['www-authenticate'], undefined, 'a 429 is no credential problem');
    t.clock.advance(20_000);
    assert.equal((await me(t, owner.access)).statusCode, 200, 'one request regained after 20 s');
  });

  test('403 responses carry the headers too, and count', async () => {
    const t = await app({ rateLimitUser: 2 });
    const owner = await registerOrg(t);
    const check = (scopes: string[]) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(owner.access), payload: { required_scopes: scopes } });
    const ok = await check(['contexts:read']);
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['x-ratelimit-remaining'], '1', '/v1/auth/check answers carry the headers');
    const narrow = await createKey(t, owner.access, { name: 'narrow', scopes: ['contexts:read'] });
    const keyCheck = (scopes: string[]) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/check',
        headers: { 'x-api-key': narrow.key },
        payload: { required_scopes: scopes },
      });
    const denied = await keyCheck(['contexts:write']);
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.headers['x-ratelimit-limit'], '100', 'API keys are limited per key, not per user');
    assert.equal(denied.headers['x-ratelimit-remaining'], '99');
  });

  test('public routes are limited per client IP; a rotating X-Forwarded-For from an untrusted peer changes nothing', async () => {
    const t = await app({ rateLimitAnonymous: 2 });
    for (let i = 0; i < 2; i++) assert.equal((await login(t, '198.51.100.7', { 'x-forwarded-for': `10.0.0.${i}` })).statusCode, 401);
    const refused = await login(t, '198.51.100.7', { 'x-forwarded-for': '10.9.9.9' });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['ratelimit-policy'], '"anonymous";q=2;w=60');
    assert.equal((await login(t, '198.51.100.8')).statusCode, 401, 'another IP has its own bucket');
    const health = await t.app.inject({ method: 'GET', url: '/health', remoteAddress: '198.51.100.7' });
    assert.equal(health.statusCode, 200, 'probes are never limited');
    assert.equal(health.headers['x-ratelimit-limit'], '2', 'but they say where the caller stands');
    assert.equal(health.headers['x-ratelimit-remaining'], '0');
    for (const url of ['/.well-known/jwks.json', '/metrics', '/ready', '/openapi.json']) {
      const res = await t.app.inject({ method: 'GET', url, remoteAddress: '198.51.100.7' });
      assert.equal(res.statusCode, url === '/metrics' ? 403 : 200, url);
      assert.equal(res.headers['x-ratelimit-remaining'], '0', `${url} is never limited, and has the headers`);
    }
    const unknown = await t.app.inject({ method: 'HEAD', url: '/api/v1/contexts', remoteAddress: '198.51.100.20' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.headers['x-ratelimit-remaining'], '1', 'an unknown path counts against the client IP');
    const probe = await t.app.inject({ method: 'GET', url: '/health', remoteAddress: '198.51.100.20' });
    assert.equal(probe.headers['x-ratelimit-remaining'], '1', 'a probe is not counted');
    await t.app.inject({ method: 'GET', url: '/nowhere', remoteAddress: '198.51.100.20' });
    assert.equal((await t.app.inject({ method: 'GET', url: '/nowhere', remoteAddress: '198.51.100.20' })).statusCode, 429);
  });

  test('a missing or invalid credential counts against the client IP: every /v1/auth/check answer has the headers', async () => {
    const t = await app({ rateLimitAnonymous: 2 });
    const check = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/check', remoteAddress: '198.51.100.9', headers, payload: {} });
    const none = await check({});
    assert.equal(none.statusCode, 401);
    assert.equal(none.headers['x-ratelimit-remaining'], '1');
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="gatehouse"');
    const garbage = await check({ 'x-api-key': 'sk_live_not-a-key' });
    assert.equal(garbage.statusCode, 401);
    assert.equal(garbage.headers['x-ratelimit-remaining'], '0');
    const limited = await check(bearer('eyJhbGciOiJub25lIn0.e30.'));
    assert.equal(limited.statusCode, 429, 'guessing is limited like any anonymous request');
    assert.equal(limited.json().code, 'ERR-7001');
  });

  test('behind a trusted proxy the right-most untrusted hop is the client', async () => {
    const t = await app({ rateLimitAnonymous: 1, trustedProxies: ['127.0.0.1'] });
    const via = (xff: string) => login(t, '127.0.0.1', { 'x-forwarded-for': xff });
    assert.equal((await via('203.0.113.9')).statusCode, 401);
    assert.equal((await via('6.6.6.6, 203.0.113.9')).statusCode, 429, 'a forged left-most hop does not make a new client');
    assert.equal((await via('203.0.113.10')).statusCode, 401, 'a different client behind the proxy');
  });

  test("tiers: an API key's tier wins over its organization's, which wins over the layer default", async () => {
    const t = await app({ rateLimitTiers: { gold: { requests_per_minute: 50, burst: 5 }, bronze: { requests_per_minute: 7 } } });
    const owner = await registerOrg(t);
    const create = async (body: Record<string, unknown>) => (await createKey(t, owner.access, { scopes: ['*'], ...body })).key;
    const plain = await create({ name: 'plain' });
    const gold = await create({ name: 'gold', rate_limit: 'gold' });
    const limitOf = async (key: string) =>
      (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { 'x-api-key': key } })).headers;
    assert.equal((await limitOf(plain))['x-ratelimit-limit'], '100');
    const g = await limitOf(gold);
    assert.equal(g['x-ratelimit-limit'], '50');
    assert.equal(g['x-ratelimit-remaining'], '4', 'burst 5');
    await t.services.storage.db.updateTable('organizations').set({ rate_limit_tier: 'bronze' }).where('id', '=', owner.orgId).execute();
    const fresh = await t.app.inject({ method: 'GET', url: '/health' });
    assert.equal(fresh.statusCode, 200);
    t.clock.advance(61_000);
    assert.equal((await limitOf(plain))['x-ratelimit-limit'], '7', "the organization's tier (re-read within a minute)");
    assert.equal((await limitOf(gold))['x-ratelimit-limit'], '50', "the key's own tier still wins");
  });

  test('the first excess in a window is audited once, without secrets', async () => {
    const t = await app({ rateLimitUser: 1 });
    const owner = await registerOrg(t);
    await me(t, owner.access);
    for (let i = 0; i < 3; i++) assert.equal((await me(t, owner.access)).statusCode, 429);
    await t.services.audit.flush();
    const rows = await t.services.storage.db.selectFrom('audit_events').selectAll().where('action', '=', 'rate_limit.exceeded').execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.actor_id, owner.userId);
    assert.equal(rows[0]?.organization_id, owner.orgId);
    assert.ok(!JSON.stringify(rows).includes(owner.access));
  });
});

describe('rate limits across nodes sharing Redis', () => {
  const prefix = () => `gatehouse:test:${randomBytes(6).toString('hex')}:`;

  test('two nodes share one bucket', async () => {
    const redisKeyPrefix = prefix();
    const a = await app({ redisUrl: REDIS_URL, redisKeyPrefix, rateLimitAnonymous: 4 });
    const b = await app({ redisUrl: REDIS_URL, redisKeyPrefix, rateLimitAnonymous: 4 }, a);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(i % 2 ? a : b, '192.0.2.50')).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
  });

  test('Redis unreachable: layers fall back to memory, or fail closed where configured; never a 500', async () => {
    const t = await app({ redisUrl: 'redis://127.0.0.1:1', rateLimitAnonymous: 2, rateLimitFailClosed: ['user'] });
    assert.deepEqual(
      [(await login(t, '192.0.2.60')).statusCode, (await login(t, '192.0.2.60')).statusCode, (await login(t, '192.0.2.60')).statusCode],
      [401, 401, 429],
    );
    const reg = await t.app.inject({
      method: 'POST',
      url: '/v1/organizations/register',
      remoteAddress: '192.0.2.61',
      payload: {
        organization_name: 'Down',
        organization_slug: 'down',
        admin_email: 'down@example.com',
        admin_name: 'D',
        admin_password: 'a long password',
      },
    });
    assert.equal(reg.statusCode, 201, reg.body);
    registerSecret(reg.json().tokens.access_token);
    const closed = await me(t, reg.json().tokens.access_token);
    assert.equal(closed.statusCode, 503);
    assert.equal(closed.json().code, 'ERR-7003');
    const warnings = t.logs.filter((l) => String(l.msg).startsWith('rate limits: Redis unavailable'));
    assert.equal(warnings.length, 1, 'the outage is logged once');
  });
});
