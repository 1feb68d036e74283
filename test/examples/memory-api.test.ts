/**
 * examples/memory-api: the same agent-memory API protected by the proxy (with the example's
 * policy) and by the Fastify middleware, against a real Gatehouse; the nginx way is the block of
 * docs/integrations.md that test/edge/nginx.test.ts runs.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memoryApiBehindGatehouse } from '../../examples/memory-api/behind-gatehouse.ts';
import { memoryApiWithMiddleware } from '../../examples/memory-api/with-middleware.ts';
import { openLivePolicy } from '../../src/edge/policy/index.ts';
import { createProxyServer } from '../../src/edge/proxy/server.ts';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('examples/memory-api', () => {
  let t: TestApp;
  let a: Registered;
  let writer = '';
  let reader = '';
  const servers: Server[] = [];
  const fronts: Record<string, string> = {};

  before(async () => {
    t = await createTestApp('sqlite');
    a = await registerOrg(t, 'memory-example');
    for (const name of ['tenant_acme', 'tenant_other'])
      await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${a.slug}/memory-spaces`,
        headers: bearer(a.access),
        payload: { name },
      });
    writer = (await createKey(t, a.access, { name: 'agent', scopes: ['memories:read', 'memories:write'], memory_spaces: ['tenant_acme'] }))
      .key;
    reader = (await createKey(t, a.access, { name: 'reader', scopes: ['memories:read'], memory_spaces: ['tenant_acme'] })).key;
    const api = memoryApiBehindGatehouse();
    servers.push(api);
    const upstream = await listen(api);
    const policy = openLivePolicy({ file: join('examples', 'memory-api', 'policy.yaml'), tiers: [], log: t.services.log });
    const proxy = createProxyServer({
      services: t.services,
      policy,
      realm: 'gatehouse',
      upstream: new URL(upstream),
      timeoutMs: 5000,
      log: t.services.log,
    });
    servers.push(proxy);
    fronts.proxy = await listen(proxy);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const gatehouseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const mw = memoryApiWithMiddleware({ url: gatehouseUrl, issuer: t.config.issuer, now: () => t.clock.now() });
    fronts.middleware = await mw.listen({ host: '127.0.0.1', port: 0 });
    servers.push(mw.server);
  });
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    await t.close();
  });

  for (const way of ['proxy', 'middleware']) {
    test(`${way}: remember and recall in the key's space; another space, a missing scope and no credential are refused`, async () => {
      const base = fronts[way];
      const remember = await fetch(`${base}/v1/spaces/tenant_acme/memories`, {
        method: 'POST',
        headers: { 'x-api-key': writer, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `the user likes green tea (${way})` }),
      });
      assert.equal(remember.status, 201, await remember.clone().text());
      const recall = await fetch(`${base}/v1/spaces/tenant_acme/memories?q=tea`, { headers: { 'x-api-key': reader } });
      assert.equal(recall.status, 200);
      const { memories } = (await recall.json()) as { memories: { text: string; by: string }[] };
      assert.ok(memories.some((m) => m.text === `the user likes green tea (${way})` && m.by.startsWith('key_')));
      assert.equal((await fetch(`${base}/v1/spaces/tenant_other/memories`, { headers: { 'x-api-key': writer } })).status, 403);
      const noWrite = await fetch(`${base}/v1/spaces/tenant_acme/memories`, {
        method: 'POST',
        headers: { 'x-api-key': reader, 'content-type': 'application/json' },
        body: '{"text":"x"}',
      });
      assert.equal(noWrite.status, 403);
      assert.match(noWrite.headers.get('www-authenticate') ?? '', /scope="memories:write"/);
      const anonymous = await fetch(`${base}/v1/spaces/tenant_acme/memories`);
      assert.equal(anonymous.status, 401);
      assert.equal((await fetch(`${base}/health`)).status, 200);
    });
  }
});
