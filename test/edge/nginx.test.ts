/**
 * Real nginx (Debian's, with the auth_request module) in front of a small upstream, asking a
 * listening Gatehouse `/v1/forward-auth`: allow, 401, 403, 429 and identity headers end to end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { type Nginx, nginxBinary, nginxServer, startNginx } from './support/nginx.ts';
import { EDGE_POLICY } from './support/policy.ts';
import { freePort, startUpstream, type Upstream } from './support/upstream.ts';

const binary = nginxBinary();

describe('nginx auth_request in front of an upstream, asking Gatehouse', {
  skip: binary === undefined && 'nginx is not installed (.ci/run installs it)',
}, () => {
  let t: TestApp;
  let a: Registered;
  let upstream: Upstream;
  let nginx: Nginx;
  let reader = '';
  let writer = '';
  const dir = mkdtempSync(join(tmpdir(), 'gh-nginx-policy-'));

  before(async () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, EDGE_POLICY);
    t = await createTestApp('sqlite', {
      routePolicy: file,
      rateLimitEnabled: true,
      rateLimitAnonymous: 1000,
      rateLimitTiers: { tiny: { requests_per_minute: 2 } },
      trustedProxies: ['127.0.0.1'],
    });
    a = await registerOrg(t, 'nginx-org');
    for (const name of ['tenant_a', 'tenant_b'])
      await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${a.slug}/memory-spaces`,
        headers: bearer(a.access),
        payload: { name },
      });
    reader = (await createKey(t, a.access, { name: 'reader', scopes: ['memories:read'], memory_spaces: ['tenant_b'] })).key;
    writer = (await createKey(t, a.access, { name: 'writer', scopes: ['memories:*'], memory_spaces: ['tenant_a'] })).key;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const gh = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    upstream = await startUpstream();
    const port = await freePort();
    nginx = await startNginx(binary as string, port, nginxServer(port, gh, upstream.url));
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('allowed: the upstream gets identity headers (spoofed ones replaced, credential removed); the client gets rate-limit headers', async () => {
    const res = await fetch(`${nginx.url}/v1/spaces/tenant_b/recall?q=coffee`, {
      headers: { 'x-api-key': reader, 'x-gatehouse-subject': 'usr_spoofed', 'x-gatehouse-organization': 'org_spoofed' },
    });
    assert.equal(res.status, 200, nginx.errors());
    assert.equal(res.headers.get('x-ratelimit-limit'), '100');
    const seen = (await res.json()) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/v1/spaces/tenant_b/recall?q=coffee');
    assert.match(seen.headers['x-gatehouse-subject'] ?? '', /^key_/);
    assert.equal(seen.headers['x-gatehouse-organization'], a.orgId);
    assert.equal(seen.headers['x-gatehouse-memory-space'], 'tenant_b');
    assert.equal(seen.headers['x-gatehouse-scopes'], 'memories:read');
    assert.equal(seen.headers['x-gatehouse-kind'], 'api_key');
    assert.equal(seen.headers['x-api-key'], undefined, 'the caller credential does not reach the upstream');
  });

  test('public route: no credential needed, and a spoofed identity is dropped', async () => {
    const res = await fetch(`${nginx.url}/health`, { headers: { 'x-gatehouse-subject': 'usr_spoofed' } });
    assert.equal(res.status, 200, nginx.errors());
    const seen = (await res.json()) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-gatehouse-subject'], undefined);
  });

  test('401 with the Bearer challenge (and resource_metadata); the upstream never sees the request', async () => {
    const before = upstream.seen.length;
    const res = await fetch(`${nginx.url}/v1/spaces/tenant_b/recall`);
    assert.equal(res.status, 401);
    assert.equal(
      res.headers.get('www-authenticate'),
      'Bearer realm="gatehouse", resource_metadata="https://memory.example/.well-known/oauth-protected-resource"',
    );
    const bad = await fetch(`${nginx.url}/v1/spaces/tenant_b/recall`, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.equal(upstream.seen.length, before);
  });

  test('403: missing scope (with the insufficient_scope challenge), foreign space, unmatched route', async () => {
    const before = upstream.seen.length;
    const scope = await fetch(`${nginx.url}/v1/spaces/tenant_b/remember`, { method: 'POST', headers: { 'x-api-key': reader }, body: 'x' });
    assert.equal(scope.status, 403);
    assert.match(scope.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*scope="memories:write"/);
    const space = await fetch(`${nginx.url}/v1/spaces/tenant_a/recall`, { headers: { 'x-api-key': reader } });
    assert.equal(space.status, 403);
    const unmatched = await fetch(`${nginx.url}/admin`, { headers: { 'x-api-key': reader } });
    assert.equal(unmatched.status, 403);
    assert.equal(upstream.seen.length, before);
  });

  test('429 from the rule tier reaches the client with Retry-After', async () => {
    const call = () =>
      fetch(`${nginx.url}/v1/spaces/tenant_a/remember`, { method: 'POST', headers: { 'x-api-key': writer }, body: 'remember this' });
    assert.equal((await call()).status, 200);
    const second = await call();
    assert.equal(second.status, 200);
    const seen = (await second.json()) as { body: string };
    assert.equal(seen.body, 'remember this', 'the body reaches the upstream (auth_request does not consume it)');
    const third = await call();
    assert.equal(third.status, 429, nginx.errors());
    assert.ok(Number(third.headers.get('retry-after')) >= 1);
    assert.equal(third.headers.get('x-ratelimit-remaining'), '0');
  });
});
