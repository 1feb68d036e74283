import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { EDGE_POLICY } from './support/policy.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-fa-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A forward-auth call as nginx makes it (X-Original-*), with the client's own headers. */
function nginx(method: string, uri: string, headers: Record<string, string> = {}) {
  return {
    method: 'GET' as const,
    url: '/v1/forward-auth',
    headers: { 'x-original-method': method, 'x-original-uri': uri, 'x-original-host': 'memory.example', ...headers },
  };
}

for (const backend of BACKENDS) {
  describe(`forward-auth under a route policy (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    let reader = '';
    let writer = '';
    const file = join(dir, `policy-${backend}.yaml`);

    before(async () => {
      writeFileSync(file, EDGE_POLICY);
      t = await createTestApp(backend, {
        routePolicy: file,
        rateLimitEnabled: true,
        rateLimitAnonymous: 1000,
        rateLimitTiers: { tiny: { requests_per_minute: 2 } },
      });
      a = await registerOrg(t, `fa-${backend}`);
      for (const name of ['tenant_a', 'tenant_b'])
        await t.app.inject({
          method: 'POST',
          url: `/v1/organizations/${a.slug}/memory-spaces`,
          headers: bearer(a.access),
          payload: { name },
        });
      reader = (await createKey(t, a.access, { name: 'reader', scopes: ['memories:read'], memory_spaces: ['tenant_b'] })).key;
      writer = (
        await createKey(t, a.access, { name: 'writer', scopes: ['memories:*', 'tools:execute'], memory_spaces: ['tenant_a', 'tenant_b'] })
      ).key;
    });
    after(() => t.close());

    test('a public rule needs no credential and still reports the client-IP limit', async () => {
      const res = await t.app.inject(nginx('GET', '/health'));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-gatehouse-rule'], 'health');
      assert.equal(res.headers['x-gatehouse-subject'], undefined);
      assert.equal(res.headers['x-ratelimit-limit'], '1000');
      assert.equal(res.json().principal, null);
    });

    test('allowed: identity headers, the memory space from the path, rate-limit headers', async () => {
      const res = await t.app.inject(nginx('GET', '/v1/spaces/tenant_b/recall?q=x', { 'x-api-key': reader }));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-gatehouse-organization'], a.orgId);
      assert.equal(res.headers['x-gatehouse-kind'], 'api_key');
      assert.match(String(res.headers['x-gatehouse-subject']), /^key_/);
      assert.equal(res.headers['x-gatehouse-memory-space'], 'tenant_b');
      assert.equal(res.headers['x-gatehouse-scopes'], 'memories:read');
      assert.equal(res.headers['x-ratelimit-limit'], '100');
      assert.equal(res.json().memory_space, 'tenant_b');
    });

    test('401: bare challenge without a credential, with the rule resource_metadata', async () => {
      const res = await t.app.inject(nginx('GET', '/v1/spaces/tenant_b/recall'));
      assert.equal(res.statusCode, 401);
      assert.equal(
        res.headers['www-authenticate'],
        'Bearer realm="gatehouse", resource_metadata="https://memory.example/.well-known/oauth-protected-resource"',
      );
      assert.equal(res.json().code, 'ERR-4001');
      const garbage = await t.app.inject(nginx('POST', '/v1/spaces/tenant_b/remember', { authorization: 'Bearer garbage' }));
      assert.equal(garbage.statusCode, 401);
      assert.match(String(garbage.headers['www-authenticate']), /^Bearer realm="gatehouse", error="invalid_token"/);
      assert.ok(garbage.headers['x-ratelimit-limit'], 'an invalid credential counts against the client IP');
    });

    test('403: missing scope, foreign memory space, unmatched route', async () => {
      const scope = await t.app.inject(nginx('POST', '/v1/spaces/tenant_b/remember', { 'x-api-key': reader }));
      assert.equal(scope.statusCode, 403);
      assert.match(String(scope.headers['www-authenticate']), /error="insufficient_scope".*scope="memories:write"/);
      const space = await t.app.inject(nginx('GET', '/v1/spaces/tenant_a/recall', { 'x-api-key': reader }));
      assert.equal(space.statusCode, 403);
      assert.equal(space.json().error, 'memory_space_forbidden');
      const unmatched = await t.app.inject(nginx('DELETE', '/v1/spaces/tenant_b/recall', { 'x-api-key': writer }));
      assert.equal(unmatched.statusCode, 403);
      assert.equal(unmatched.json().code, 'ERR-9001');
    });

    test('memory space from a header: required when the credential has several', async () => {
      const none = await t.app.inject(nginx('POST', '/v1/tools/search/run', { 'x-api-key': writer }));
      assert.equal(none.statusCode, 400);
      assert.equal(none.json().error, 'memory_space_required');
      const named = await t.app.inject(nginx('POST', '/v1/tools/search/run', { 'x-api-key': writer, 'x-tenant': 'tenant_a' }));
      assert.equal(named.statusCode, 200, named.body);
      assert.equal(named.headers['x-gatehouse-memory-space'], 'tenant_a');
    });

    test('a rule tier is its own bucket per caller: 429 with Retry-After, other rules unaffected', async () => {
      const call = () => t.app.inject(nginx('POST', '/v1/spaces/tenant_a/remember', { 'x-api-key': writer }));
      assert.equal((await call()).statusCode, 200);
      const second = await call();
      assert.equal(second.statusCode, 200);
      assert.equal(second.headers['x-ratelimit-limit'], '2');
      const third = await call();
      assert.equal(third.statusCode, 429, third.body);
      assert.equal(third.json().code, 'ERR-7001');
      assert.ok(Number(third.headers['retry-after']) >= 1);
      assert.equal(third.headers['x-ratelimit-remaining'], '0');
      const other = await t.app.inject(nginx('GET', '/v1/spaces/tenant_a/recall', { 'x-api-key': writer }));
      assert.equal(other.statusCode, 200);
      t.clock.advance(60_000);
      assert.equal((await call()).statusCode, 200);
    });

    test('Traefik X-Forwarded-* and Envoy path prefix name the original request', async () => {
      const traefik = await t.app.inject({
        method: 'GET',
        url: '/v1/forward-auth',
        headers: {
          'x-forwarded-method': 'GET',
          'x-forwarded-uri': '/v1/spaces/tenant_b/recall',
          'x-forwarded-host': 'm',
          'x-api-key': reader,
        },
      });
      assert.equal(traefik.statusCode, 200, traefik.body);
      assert.equal(traefik.headers['x-gatehouse-rule'], 'recall');
      const envoy = await t.app.inject({
        method: 'DELETE',
        url: '/v1/forward-auth/v1/spaces/tenant_b/recall',
        headers: { host: 'memory.example', 'x-api-key': writer, 'content-type': 'application/json' },
      });
      assert.equal(envoy.statusCode, 403, 'DELETE matches no rule');
      assert.equal(envoy.json().code, 'ERR-9001');
      const envoyOk = await t.app.inject({
        method: 'POST',
        url: '/v1/forward-auth/v1/spaces/tenant_b/recall',
        headers: { host: 'memory.example', 'x-api-key': reader, 'content-type': 'application/json' },
        payload: '',
      });
      assert.equal(envoyOk.statusCode, 200, envoyOk.body);
    });

    test('400: no original request, a repeated header, or a path that could be read two ways', async () => {
      const none = await t.app.inject({ method: 'GET', url: '/v1/forward-auth', headers: { 'x-api-key': reader } });
      assert.equal(none.statusCode, 400);
      assert.equal(none.json().code, 'ERR-9002');
      for (const uri of ['/v1/spaces/tenant_b/../tenant_a/recall', '/v1/spaces/tenant_b%2F..%2Ftenant_a/recall', '/health/..//x']) {
        const res = await t.app.inject(nginx('GET', uri, { 'x-api-key': reader }));
        assert.equal(res.statusCode, 400, uri);
        assert.equal(res.json().code, 'ERR-9002');
      }
      const twice = await t.app.inject({
        method: 'GET',
        url: '/v1/forward-auth',
        headers: { 'x-original-method': 'GET', 'x-original-uri': ['/health', '/v1/x'], 'x-original-host': 'm', 'x-api-key': reader },
      });
      assert.equal(twice.statusCode, 400);
      const query = await t.app.inject(nginx('GET', '/v1/spaces/tenant_b/recall?api_key=abc', { 'x-api-key': reader }));
      assert.equal(query.statusCode, 400, 'credentials in the original query string are refused too');
    });

    test('the policy file is reloaded on change; a broken change is refused and the old policy stays', async () => {
      writeFileSync(file, `${EDGE_POLICY}\n  - name: added\n    path: /added\n    public: true\n`);
      const until = Date.now() + 8000;
      let status = 0;
      while (Date.now() < until) {
        status = (await t.app.inject(nginx('GET', '/added'))).statusCode;
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(status, 200, 'the new rule took effect');
      writeFileSync(file, 'version: 1\nrules:\n  - path: nope\n');
      const before = Date.now();
      while (
        Date.now() - before < 8000 &&
        !t.logs.some((l) => l.msg === 'route policy change refused; the previous version stays in force')
      )
        await new Promise((r) => setTimeout(r, 200));
      const refused = t.logs.find((l) => l.msg === 'route policy change refused; the previous version stays in force');
      assert.ok(refused, 'the refusal is logged');
      assert.match(JSON.stringify(refused.problems), /rules\[0\]\.path: must start with/);
      assert.equal((await t.app.inject(nginx('GET', '/added'))).statusCode, 200, 'the previous policy is still in force');
    });
  });
}

test('an invalid policy stops the server at start with every problem', async () => {
  const file = join(dir, 'broken.yaml');
  writeFileSync(file, 'version: 1\nrules:\n  - path: /x\n    scopes: [BAD]\n');
  await assert.rejects(createTestApp('sqlite', { routePolicy: file }), /rules\[0\]\.scopes\[0\]: not a valid scope: "BAD"/);
});
