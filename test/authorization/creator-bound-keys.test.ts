/**
 * Rule 1 of the security review: a key acts as its creator, never beyond. What a key may do is its
 * own scopes intersected with what its creator may do now, and every object-level rule applies to
 * the key exactly as to its creator's session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setUserDisabled } from '../../src/identity/users.ts';
import { addMember, bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const DAY = 86_400_000;

for (const backend of BACKENDS) {
  describe(`API keys act as their creator (${backend})`, () => {
    let t: TestApp;
    let owner: Registered;
    let ownerKey: { id: string; key: string };

    before(async () => {
      t = await createTestApp(backend);
      owner = await registerOrg(t, `kc-${backend}`);
      ownerKey = await createKey(t, owner.access, { name: 'owner-star', scopes: ['*'] });
    });
    after(() => t.close());

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, key: string, payload?: object) =>
      t.app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });

    test("a member's key cannot rotate, change, revoke or even see the owner's key (the reported escalation)", async () => {
      const member = await addMember(t, owner, 'member');
      const memberKey = await createKey(t, member.token, { name: 'm', scopes: ['keys:read', 'keys:write'] });
      for (const credential of [member.token, memberKey.key]) {
        const rotate = await call('POST', `/v1/api-keys/${ownerKey.id}/rotate`, credential, {});
        assert.equal(rotate.statusCode, 404, rotate.body);
        assert.equal(rotate.json().key, undefined);
        const patch = await call('PATCH', `/v1/api-keys/${ownerKey.id}`, credential, { name: 'pwned' });
        assert.equal(patch.statusCode, 404, patch.body);
        const revoke = await call('DELETE', `/v1/api-keys/${ownerKey.id}`, credential);
        assert.equal(revoke.statusCode, 404, revoke.body);
        const get = await call('GET', `/v1/api-keys/${ownerKey.id}`, credential);
        assert.equal(get.statusCode, 404, get.body);
        const list = await call('GET', '/v1/api-keys?limit=100', credential);
        assert.equal(list.statusCode, 200, list.body);
        const ids = (list.json().data as { id: string }[]).map((k) => k.id);
        assert.ok(!ids.includes(ownerKey.id), 'a member lists only their own keys');
      }
      // The owner's key still works and is unchanged.
      const me = await call('GET', `/v1/api-keys/${ownerKey.id}`, owner.access);
      assert.equal(me.json().name, 'owner-star');
      assert.equal(me.json().state, 'active');
    });

    test("an admin's key cannot touch the owner's keys; the owner's can touch the admin's", async () => {
      const admin = await addMember(t, owner, 'admin');
      const adminKey = await createKey(t, admin.token, { name: 'a', scopes: ['*'] });
      const rotate = await call('POST', `/v1/api-keys/${ownerKey.id}/rotate`, adminKey.key, {});
      assert.equal(rotate.statusCode, 404, rotate.body);
      const revoke = await call('DELETE', `/v1/api-keys/${ownerKey.id}`, admin.token);
      assert.equal(revoke.statusCode, 404, revoke.body);
      const own = await call('PATCH', `/v1/api-keys/${adminKey.id}`, ownerKey.key, { name: 'renamed by owner' });
      assert.equal(own.statusCode, 200, own.body);
    });

    test('a key made by a member carries only what the member may do, whatever scopes it names', async () => {
      const member = await addMember(t, owner, 'member');
      // A member cannot mint a key wider than itself...
      const wide = await call('POST', '/v1/api-keys', member.token, { name: 'wide', scopes: ['*'] });
      assert.equal(wide.statusCode, 403, wide.body);
      // ...nor reach an admin-only route with one (members:write needs admin).
      const k = await createKey(t, member.token, { name: 'm2', scopes: ['keys:write', 'keys:read'] });
      const invite = await call('POST', `/v1/organizations/${owner.slug}/invitations`, k.key, { email: 'x@example.com', role: 'member' });
      assert.ok(invite.statusCode === 403, invite.body);
    });

    test('demotion narrows the key at once; removal and disable stop it', async () => {
      const admin = await addMember(t, owner, 'admin');
      const key = await createKey(t, admin.token, { name: 'admin-star', scopes: ['*'] });
      const space = await call('POST', `/v1/organizations/${owner.slug}/memory-spaces`, key.key, { name: `s-${backend}` });
      assert.equal(space.statusCode, 201, space.body);

      const demote = await call('PATCH', `/v1/organizations/${owner.slug}/members/${admin.userId}`, owner.access, { role: 'member' });
      assert.equal(demote.statusCode, 200, demote.body);
      const again = await call('POST', `/v1/organizations/${owner.slug}/memory-spaces`, key.key, { name: `s2-${backend}` });
      assert.equal(again.statusCode, 403, again.body);
      const check = await call('POST', '/v1/auth/check', key.key, { required_scopes: ['members:write'] });
      assert.equal(check.statusCode, 403, check.body);
      const scopes = (await call('POST', '/v1/auth/check', key.key, {})).json().principal.scopes as string[];
      assert.ok(!scopes.includes('*'), `demoted key keeps ${scopes.join(' ')}`);
      // The demoted admin's session ended with the role change (its tokens carried the old role).
      const session = await call('POST', `/v1/organizations/${owner.slug}/memory-spaces`, admin.token, { name: `s3-${backend}` });
      assert.equal(session.statusCode, 401, session.body);

      const remove = await call('DELETE', `/v1/organizations/${owner.slug}/members/${admin.userId}`, owner.access);
      assert.equal(remove.statusCode, 204, remove.body);
      const gone = await call('POST', '/v1/auth/check', key.key, {});
      assert.equal(gone.statusCode, 401, gone.body);
      assert.match(String(gone.headers['www-authenticate']), /error="invalid_token"/);
    });

    test("a disabled user's keys stop working at once, and work again on enable", async () => {
      const member = await addMember(t, owner, 'member');
      const key = await createKey(t, member.token, { name: 'm3', scopes: ['keys:read'] });
      assert.equal((await call('GET', '/v1/api-keys', key.key)).statusCode, 200);
      const toggle = async (disabled: boolean) => {
        await setUserDisabled(t.services.storage.db, member.userId, disabled, t.clock.now());
        t.services.bus.publish('user', member.userId);
      };
      await toggle(true);
      const refused = await call('GET', '/v1/api-keys', key.key);
      assert.equal(refused.statusCode, 401);
      assert.equal(refused.json().code, 'ERR-5051');
      await toggle(false);
      assert.equal((await call('GET', '/v1/api-keys', key.key)).statusCode, 200);
    });

    test('a key minted by a key never outlives its parent; no key outlives the documented maximum', async () => {
      const parent = await createKey(t, owner.access, { name: 'parent', scopes: ['*'], expires_in_days: 10 });
      const now = t.clock.now();
      const child = await call('POST', '/v1/api-keys', parent.key, { name: 'child', scopes: ['keys:read'], expires_in_days: 30 });
      assert.equal(child.statusCode, 201, child.body);
      registerSecret(child.json().key);
      assert.equal(Date.parse(child.json().expires_at), now + 10 * DAY);
      const forever = await call('POST', '/v1/api-keys', parent.key, { name: 'forever', scopes: ['keys:read'] });
      assert.equal(forever.statusCode, 201, forever.body);
      registerSecret(forever.json().key);
      assert.equal(Date.parse(forever.json().expires_at), now + 10 * DAY);

      const far = await call('POST', '/v1/api-keys', owner.access, {
        name: 'far',
        scopes: ['keys:read'],
        expires_at: '9999-01-01T00:00:00Z',
      });
      assert.equal(far.statusCode, 400, far.body);
      assert.equal(far.json().code, 'ERR-5050');
      const days = await call('POST', '/v1/api-keys', owner.access, { name: 'far', scopes: ['keys:read'], expires_in_days: 3651 });
      assert.equal(days.statusCode, 400, days.body);
    });

    test('an operator key (made by the CLI, no creator) has exactly the scopes it was given', async () => {
      const { key } = await t.services.apiKeys.create({
        organizationId: owner.orgId,
        createdBy: null,
        name: 'svc',
        scopes: ['keys:read', 'keys:write'],
        memorySpaces: '*',
      });
      registerSecret(key);
      const list = await call('GET', '/v1/api-keys?limit=100', key);
      assert.equal(list.statusCode, 200);
      assert.ok(
        (list.json().data as { id: string }[]).some((k) => k.id === ownerKey.id),
        'a service key sees every key',
      );
      // It may not obtain the owner's wider key by rotating it.
      const rotate = await call('POST', `/v1/api-keys/${ownerKey.id}/rotate`, key, {});
      assert.equal(rotate.statusCode, 403, rotate.body);
      const invite = await call('POST', `/v1/organizations/${owner.slug}/invitations`, key, { email: 'y@example.com', role: 'member' });
      assert.equal(invite.statusCode, 403, invite.body);
    });
  });
}
