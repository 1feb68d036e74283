/**
 * The access log: one `info` line per request, written when it completes, with what operators
 * need (method, route pattern, status, duration, client IP, principal, request id) and never a
 * header, a body or a query string; `accessLog: false` turns it off.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createKey, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

const apps: TestApp[] = [];
after(async () => {
  for (const a of apps) await a.close();
});

const accessLines = (t: TestApp) => t.logs.filter((l) => l.msg === 'request');

test('one line per request, with the route pattern, status, duration, IP, principal and request id', async () => {
  const t = await createTestApp('sqlite');
  apps.push(t);
  const owner = await registerOrg(t);
  const { key, id } = await createKey(t, owner.access, { name: 'log', scopes: ['*'] });
  const before = accessLines(t).length;
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/check?resource=',
    headers: { 'x-api-key': key, 'x-request-id': 'req-log-1' },
    payload: { required_scopes: ['contexts:read'] },
    remoteAddress: '10.9.8.7',
  });
  assert.equal(res.statusCode, 200, res.body);
  const lines = accessLines(t).slice(before);
  assert.equal(lines.length, 1, 'one line, written at the end');
  assert.equal(t.logs.filter((l) => l.request_id === 'req-log-1').length, 1, 'no "incoming request" line besides it');
  const line = lines[0] ?? {};
  assert.equal(line.level, 30);
  assert.equal(line.method, 'POST');
  assert.equal(line.route, '/v1/auth/check');
  assert.equal(line.status, 200);
  assert.equal(typeof line.ms, 'number');
  assert.equal(line.ip, '10.9.8.7');
  assert.equal(line.principal, id);
  assert.equal(line.request_id, 'req-log-1');
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const text = JSON.stringify(line);
  assert.ok(!text.includes(key) && !text.includes('resource='), 'no credential or query string');
  assert.equal(line.path, undefined, 'a matched route is logged by its pattern only');
});

test('an unmatched path is logged without its query; a refused request has no principal', async () => {
  const t = await createTestApp('sqlite');
  apps.push(t);
  await t.app.inject({ method: 'GET', url: '/v1/nothing/here?token=abc' });
  await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: 'Bearer nope' } });
  const [missing, refused] = accessLines(t).slice(-2);
  assert.equal(missing?.route, null);
  assert.equal(missing?.path, '/v1/nothing/here');
  assert.equal(missing?.status, 404);
  assert.equal(refused?.route, '/v1/auth/me');
  assert.equal(refused?.status, 401);
  assert.equal(refused?.principal, null);
});

test('accessLog: false writes no request lines; the metrics still count', async () => {
  const t = await createTestApp('sqlite', { accessLog: false });
  apps.push(t);
  await t.app.inject({ method: 'GET', url: '/health' });
  assert.equal(accessLines(t).length, 0);
  const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /gatehouse_http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
});
