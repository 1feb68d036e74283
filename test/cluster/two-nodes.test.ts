/**
 * Two Gatehouse nodes in one test process, on one database (each with its own caches, bus and change
 * feed reader, no Redis): what ends access through the API of one is refused by the other within
 * 1 s, and each entry point publishes its invalidation topic (`membership`, `organization`, `session`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices, type Services } from '../../src/services.ts';
import { addMember, bearer, registerOrg } from '../identity/support.ts';
import { createTestApp, TEST_SECRETS, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { msUntil } from '../support/server-process.ts';

for (const backend of BACKENDS) {
  describe(`two nodes on one ${backend} database, no Redis`, () => {
    let a: TestApp;
    let b: { app: FastifyInstance; services: Services };
    const published: string[] = [];
    const received: string[] = [];

    before(async () => {
      a = await createTestApp(backend);
      // Node B shares A's storage (closed by A) and clock, nothing else.
      const storage = { ...a.services.storage, close: async () => {} };
      const services = await createServices(a.config, {
        clock: a.clock,
        log: createLogger('silent'),
        storage,
        secrets: TEST_SECRETS,
        migrate: false,
        audit: false,
      });
      b = { app: await buildApp(services), services };
      for (const topic of ['membership', 'organization', 'session'] as const) {
        a.services.bus.subscribe(topic, (id) => published.push(`${topic}:${id}`));
        b.services.bus.subscribe(topic, (id) => received.push(`${topic}:${id}`));
      }
    });
    after(async () => {
      await b.app.close();
      await b.services.close();
      await a.close();
    });

    const meOnB = async (token: string) => (await b.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(token) })).statusCode;

    async function refusedOnB(token: string, what: string): Promise<void> {
      const ms = await msUntil(async () => (await meOnB(token)) === 401);
      assert.ok(ms < 1000, `${what}: refused on node B only after ${Math.round(ms)} ms`);
    }

    test('a member removed on A is refused on B; A publishes membership org:user and B receives it', async () => {
      const owner = await registerOrg(a);
      const member = await addMember(a, owner, 'member');
      assert.equal(await meOnB(member.token), 200);
      const res = await a.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/${owner.slug}/members/${member.userId}`,
        headers: bearer(owner.access),
      });
      assert.equal(res.statusCode, 204, res.body);
      const id = `membership:${owner.orgId}:${member.userId}`;
      assert.ok(published.includes(id), published.join(' '));
      await refusedOnB(member.token, 'member removed');
      await msUntil(async () => received.includes(id));
    });

    test('a member demoted on A is refused on B (the token carries the old role)', async () => {
      const owner = await registerOrg(a);
      const admin = await addMember(a, owner, 'admin');
      assert.equal(await meOnB(admin.token), 200);
      const res = await a.app.inject({
        method: 'PATCH',
        url: `/v1/organizations/${owner.slug}/members/${admin.userId}`,
        headers: bearer(owner.access),
        payload: { role: 'readonly' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(published.includes(`membership:${owner.orgId}:${admin.userId}`));
      await refusedOnB(admin.token, 'member demoted');
    });

    test('an organization deleted on A: its sessions are refused on B, which receives organization org_…', async () => {
      const owner = await registerOrg(a);
      assert.equal(await meOnB(owner.access), 200);
      const res = await a.app.inject({ method: 'DELETE', url: `/v1/organizations/${owner.slug}`, headers: bearer(owner.access) });
      assert.equal(res.statusCode, 204, res.body);
      assert.ok(published.includes(`organization:${owner.orgId}`));
      await refusedOnB(owner.access, 'organization deleted');
      await msUntil(async () => received.includes(`organization:${owner.orgId}`));
    });

    test('a CLI-like process (watchChanges: false) writes to the feed but never reads it', async () => {
      const storage = { ...a.services.storage, close: async () => {} };
      const cli = await createServices(a.config, {
        clock: a.clock,
        log: createLogger('silent'),
        storage,
        secrets: TEST_SECRETS,
        migrate: false,
        audit: false,
        watchChanges: false,
      });
      const heard: string[] = [];
      cli.bus.subscribe('user', (id) => heard.push(id));
      a.services.bus.publish('user', 'usr_from_a');
      cli.bus.publish('organization', 'org_from_cli');
      await cli.close();
      await msUntil(async () => received.includes('organization:org_from_cli'));
      await new Promise((r) => setTimeout(r, 600));
      assert.deepEqual(heard, []);
    });

    test('logout on A: B drops the verified token at once and refuses it', async () => {
      const owner = await registerOrg(a);
      assert.equal(await meOnB(owner.access), 200);
      const res = await a.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(owner.access) });
      assert.equal(res.statusCode, 204, res.body);
      await refusedOnB(owner.access, 'logout');
    });
  });
}
