import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { GatehouseApiError, GatehouseClient, GatehouseNetworkError } from 'gatehouse/sdk';
import { retryDelay } from '../../sdk/retry.ts';
import { freePort } from '../edge/support/upstream.ts';
import { bearer, createKey, login, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/** A fetch that records every call (method and path) before sending it. */
function recorder(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    },
  };
}

describe('the SDK against a real Gatehouse', () => {
  let t: TestApp;
  let a: Registered;
  let base = '';

  before(async () => {
    t = await createTestApp('sqlite', {
      rateLimitEnabled: true,
      rateLimitAnonymous: 1000,
      rateLimitTiers: { tiny: { requests_per_minute: 1 } },
    });
    a = await registerOrg(t, 'sdk-org');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t.close());

  test('login, then many concurrent calls near expiry share ONE refresh (a second one would end the session)', async () => {
    const r = recorder();
    const gh = new GatehouseClient({
      baseUrl: base,
      credentials: { email: a.email, password: a.password },
      organization: a.slug,
      fetch: r.fetch,
      now: () => t.clock.now(),
    });
    const me = await gh.auth.me();
    assert.equal(me.organization.slug, a.slug);
    assert.deepEqual(
      r.calls.filter((c) => c.includes('/v1/auth/')),
      ['POST /v1/auth/login', 'GET /v1/auth/me'],
    );
    t.clock.advance(14.5 * 60_000); // 30 s before the 15-minute access token expires: inside the 60 s skew
    const results = await Promise.all(Array.from({ length: 10 }, () => gh.auth.me()));
    assert.equal(results.length, 10);
    assert.equal(r.calls.filter((c) => c === 'POST /v1/auth/refresh').length, 1);
    assert.equal(r.calls.filter((c) => c === 'POST /v1/auth/login').length, 1);
    assert.ok((gh.session?.tokens()?.expiresAt ?? 0) > t.clock.now() + 10 * 60_000, 'the new token is fresh');
  });

  test('an expired token answered 401 renews once and repeats the call', async () => {
    const r = recorder();
    const login = await gh(r).auth.login({ email: a.email, password: a.password });
    const client = new GatehouseClient({
      baseUrl: base,
      credentials: { accessToken: login.access_token, refreshToken: login.refresh_token },
      fetch: r.fetch,
      now: () => t.clock.now(),
    });
    t.clock.advance(16 * 60_000);
    const me = await client.auth.me();
    assert.equal(me.organization.slug, a.slug);
    assert.deepEqual(r.calls.slice(-3), ['GET /v1/auth/me', 'POST /v1/auth/refresh', 'GET /v1/auth/me']);
  });

  test('429: waits for Retry-After and tries again; a wait longer than maxDelayMs throws the typed error', async () => {
    const access = (await login(t, a.email, a.password)).json().access_token as string;
    const { key } = await createKey(t, access, { name: 'tiny', scopes: ['memories:read'], rate_limit: 'tiny', memory_spaces: '*' });
    const sleeps: number[] = [];
    const r = recorder();
    const client = new GatehouseClient({
      baseUrl: base,
      credentials: { apiKey: key },
      fetch: r.fetch,
      now: () => t.clock.now(),
      retry: { maxDelayMs: 120_000 },
      sleep: async (ms) => {
        sleeps.push(ms);
        t.clock.advance(ms);
      },
    });
    assert.equal((await client.check()).allowed, true);
    const second = await client.check({ required_scopes: ['memories:read'] });
    assert.equal(second.allowed, true);
    assert.equal(sleeps.length, 1);
    assert.equal(sleeps[0], 60_000, 'the Retry-After of a 1/min bucket');
    assert.equal(r.calls.filter((c) => c === 'POST /v1/auth/check').length, 3);
    const impatient = new GatehouseClient({
      baseUrl: base,
      credentials: { apiKey: key },
      retry: { maxDelayMs: 1000 },
      now: () => t.clock.now(),
    });
    await assert.rejects(impatient.check(), (err: unknown) => {
      assert.ok(err instanceof GatehouseApiError);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'ERR-7001');
      assert.equal(err.error, 'rate_limited');
      assert.ok((err.retryAfter ?? 0) >= 1);
      return true;
    });
  });

  test('network failures: GET retries with growing, jittered backoff, then a GatehouseNetworkError; POST does not retry', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const sleeps: number[] = [];
    const client = new GatehouseClient({
      baseUrl: dead,
      credentials: { apiKey: 'sk_x' },
      sleep: async (ms) => void sleeps.push(ms),
      retry: { retries: 3, baseDelayMs: 100 },
    });
    await assert.rejects(client.apiKeys.list(), GatehouseNetworkError);
    assert.equal(sleeps.length, 3);
    for (const [i, ms] of sleeps.entries()) assert.ok(ms >= 0 && ms < 100 * 2 ** i, `attempt ${i}: ${ms} ms`);
    sleeps.length = 0;
    await assert.rejects(client.apiKeys.create({ name: 'x' }), GatehouseNetworkError);
    assert.equal(sleeps.length, 0);
  });

  test('typed errors carry the stable code; the organization and memory-space defaults apply', async () => {
    const access = (await login(t, a.email, a.password)).json().access_token as string;
    await t.app.inject({
      method: 'POST',
      url: `/v1/organizations/${a.slug}/memory-spaces`,
      headers: bearer(access),
      payload: { name: 'tenant_sdk' },
    });
    const { key } = await createKey(t, access, { name: 'spaced', scopes: ['memories:read'], memory_spaces: ['tenant_sdk'] });
    const client = new GatehouseClient({
      baseUrl: base,
      credentials: { email: a.email, password: a.password },
      organization: a.slug,
      now: () => t.clock.now(),
    });
    const spaces = await client.memorySpaces.list();
    assert.ok(spaces.data.some((s) => s.name === 'tenant_sdk'));
    await assert.rejects(
      client.apiKeys.get('key_00000000000000000000000000'),
      (err: unknown) => err instanceof GatehouseApiError && err.status === 404 && err.error === 'not_found' && /^ERR-\d{4}$/.test(err.code),
    );
    const keyed = new GatehouseClient({ baseUrl: base, credentials: { apiKey: key }, memorySpace: 'tenant_sdk', now: () => t.clock.now() });
    assert.equal((await keyed.check()).memory_space, 'tenant_sdk');
    await assert.rejects(
      keyed.check({ memory_space: 'elsewhere' }),
      (err: unknown) => err instanceof GatehouseApiError && err.code === 'ERR-6003',
    );
  });

  function gh(r: { fetch: typeof fetch }): GatehouseClient {
    return new GatehouseClient({ baseUrl: base, fetch: r.fetch, now: () => t.clock.now() });
  }
});

test('retry delays: Retry-After wins, else full jitter under base·2^attempt, capped', () => {
  assert.equal(retryDelay(0, 3, {}), 3000);
  assert.equal(retryDelay(0, 120, { maxDelayMs: 60_000 }), undefined);
  assert.equal(
    retryDelay(3, undefined, { baseDelayMs: 100 }, () => 0.999),
    799,
  );
  assert.equal(
    retryDelay(10, undefined, { baseDelayMs: 100, maxDelayMs: 5000 }, () => 0.5),
    2500,
  );
  assert.equal(
    retryDelay(2, undefined, {}, () => 0),
    0,
  );
});
