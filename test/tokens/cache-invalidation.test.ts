/** The verified-access-token cache drops what a `session`, `user`, `membership` or `organization` invalidation covers. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EVERY_ENTRY, type InvalidationTopic } from '../../src/cluster/invalidation.ts';
import { type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

const ctx = { ip: '127.0.0.1' };
let t: TestApp;
let owner: Registered;
before(async () => {
  t = await createTestApp();
  owner = await registerOrg(t);
});
after(() => t.close());

/** Verifies twice; answers whether the first of the two came from the cache. */
async function cachedAfter(publish?: [InvalidationTopic, string]): Promise<boolean> {
  const { tokens, bus } = t.services;
  await tokens.verify(owner.access, ctx);
  if (publish) bus.publish(...publish);
  const before = tokens.cacheStats().misses;
  await tokens.verify(owner.access, ctx).catch(() => undefined);
  return tokens.cacheStats().misses === before;
}

test('a verified token is served from the cache until an invalidation covers it', async () => {
  assert.equal(await cachedAfter(), true);
  assert.equal(await cachedAfter(['user', 'usr_someone_else']), true);
  assert.equal(await cachedAfter(['user', owner.userId]), false);
  assert.equal(await cachedAfter(['membership', `${owner.orgId}:${owner.userId}`]), false);
  assert.equal(await cachedAfter(['organization', owner.orgId]), false);
  assert.equal(await cachedAfter(['session', EVERY_ENTRY]), false);
});

test('a session invalidation drops the token, and the token is refused from then on', async () => {
  const principal = await t.services.tokens.verify(owner.access, ctx);
  assert.ok(principal.sessionId);
  await t.services.sessions.revoke(principal.sessionId, 'admin');
  await assert.rejects(t.services.tokens.verify(owner.access, ctx), { name: 'GatehouseError' });
});
