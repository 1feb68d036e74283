/**
 * `GET /metrics`: Prometheus text with requests, auth decisions, verification latency, rate-limit
 * rejections and audit events; open on loopback only, or behind the configured token.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { bearer, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const apps: TestApp[] = [];
after(async () => {
  for (const a of apps) await a.close();
});

test('metrics count requests, decisions, latency, rejections and audit events', async () => {
  const t = await createTestApp('sqlite', { rateLimitEnabled: true, rateLimitUser: 1 });
  apps.push(t);
  const owner = await registerOrg(t);
  await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(owner.access) });
  await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(owner.access) });
  await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer('not-a-token') });
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  const text = res.body;
  assert.match(text, /gatehouse_http_requests_total\{method="GET",route="\/v1\/auth\/me",status="200"\} 1/);
  assert.match(text, /gatehouse_http_requests_total\{method="GET",route="\/v1\/auth\/me",status="429"\} 1/);
  assert.match(text, /gatehouse_auth_decisions_total\{kind="user",outcome="allowed"\} 1/);
  assert.match(text, /gatehouse_auth_decisions_total\{kind="unverified",outcome="invalid_token"\} 1/);
  assert.match(text, /gatehouse_rate_limit_rejections_total\{layer="user"\} 1/);
  assert.match(text, /gatehouse_credential_verification_seconds_count\{kind="user"\} 2/);
  assert.match(text, /gatehouse_audit_events_total\{outcome="success"\} [1-9]/);
  assert.match(text, /gatehouse_cache_lookups_total\{cache="access_tokens",result="miss"\} 1\n/, 'the first use verifies');
  assert.match(text, /gatehouse_cache_lookups_total\{cache="access_tokens",result="hit"\} 1\n/, 'the second is served from memory');
  assert.match(text, /gatehouse_cache_hit_ratio\{cache="access_tokens"\} 0.5\n/);
  assert.match(text, /gatehouse_cache_hit_ratio\{cache="api_keys"\} 0\n/);
  assert.match(text, /gatehouse_process_cpu_seconds_total/);
  assert.ok(!text.includes(owner.access));
  // The duration histogram: cumulative buckets ending in +Inf, which equals the count.
  const series = 'method="GET",route="/v1/auth/me"';
  const buckets = [...text.matchAll(/^gatehouse_http_request_duration_seconds_bucket\{(.*),le="([^"]+)"\} (\d+)$/gm)]
    .filter((m) => m[1] === series)
    .map((m) => ({ le: m[2], n: Number(m[3]) }));
  assert.equal(buckets.length, 13, 'twelve bounds and +Inf');
  assert.equal(buckets.at(-1)?.le, '+Inf');
  assert.equal(buckets.at(-1)?.n, 3);
  for (let i = 1; i < buckets.length; i++) assert.ok((buckets[i]?.n ?? 0) >= (buckets[i - 1]?.n ?? 0), 'buckets are cumulative');
  assert.match(text, new RegExp(`^gatehouse_http_request_duration_seconds_count\\{${series.replace(/[/]/g, '\\/')}\\} 3$`, 'm'));
  assert.match(text, /^# TYPE gatehouse_http_request_duration_seconds histogram$/m);
  assert.match(text, /^# TYPE gatehouse_http_requests_total counter$/m);
});

test('open on loopback only; with a token, only to that Bearer token', async () => {
  const open = await createTestApp('sqlite');
  apps.push(open);
  assert.equal((await open.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '::1' })).statusCode, 200);
  const remote = await open.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
  assert.equal(remote.statusCode, 403);
  assert.equal(remote.json().code, 'ERR-7004');

  const token = 'metrics-token-0123456789abcdef';
  registerSecret(token);
  const locked = await createTestApp('sqlite', { metricsToken: token });
  apps.push(locked);
  const get = (headers: Record<string, string>) => locked.app.inject({ method: 'GET', url: '/metrics', headers });
  assert.equal((await get({})).statusCode, 403, 'loopback is not enough once a token is set');
  assert.equal((await get({ authorization: 'Bearer metrics-token-0123456789abcdeX' })).statusCode, 403);
  assert.equal((await get({ authorization: `Bearer ${token}` })).statusCode, 200);
  assert.ok(!locked.logs.some((l) => JSON.stringify(l).includes(token)), 'the token is never logged');
});
