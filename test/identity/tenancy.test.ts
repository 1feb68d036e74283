import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { acceptInvitation, addMember, bearer, login, type Registered, registerOrg } from './support.ts';

for (const backend of BACKENDS) {
  describe(`organizations, members and memory spaces (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    let b: Registered;
    before(async () => {
      t = await createTestApp(backend);
      a = await registerOrg(t, 'alpha');
      b = await registerOrg(t, 'beta');
    });
    after(() => t.close());

    test("another organization's objects are 404, exactly like missing ones", async () => {
      const space = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/beta/memory-spaces',
        headers: bearer(b.access),
        payload: { name: 'tenant_beta' },
      });
      assert.equal(space.statusCode, 201);
      const urls = [
        ['GET', '/v1/organizations/beta'],
        ['GET', `/v1/organizations/${b.orgId}`],
        ['GET', '/v1/organizations/beta/members'],
        ['PATCH', `/v1/organizations/beta/members/${b.userId}`],
        ['GET', '/v1/organizations/beta/memory-spaces'],
        ['GET', `/v1/organizations/beta/memory-spaces/${space.json().id}`],
        ['DELETE', '/v1/organizations/beta'],
      ] as const;
      for (const [method, url] of urls) {
        const res = await t.app.inject({
          method,
          url,
          headers: bearer(a.access),
          payload: method === 'PATCH' ? { role: 'member' } : undefined,
        });
        const missing = await t.app.inject({
          method,
          url: url.replace('beta', 'nosuchorg').replace(b.orgId, 'org_01aaaaaaaaaaaaaaaaaaaaaaaa'),
          headers: bearer(a.access),
          payload: method === 'PATCH' ? { role: 'member' } : undefined,
        });
        assert.equal(res.statusCode, 404, `${method} ${url}`);
        assert.equal(res.json().code, missing.json().code, `${method} ${url}`);
      }
      const own = await t.app.inject({
        method: 'GET',
        url: `/v1/organizations/alpha/memory-spaces/${space.json().id}`,
        headers: bearer(a.access),
      });
      assert.equal(own.statusCode, 404);
    });

    test('members and readonly users cannot do admin work (403); they can read', async () => {
      const m = (await addMember(t, a, 'member')).token;
      const r = (await addMember(t, a, 'readonly')).token;
      for (const token of [m, r]) {
        assert.equal(
          (await t.app.inject({ method: 'GET', url: '/v1/organizations/alpha/members', headers: bearer(token) })).statusCode,
          200,
        );
        const add = await t.app.inject({
          method: 'POST',
          url: '/v1/organizations/alpha/members',
          headers: bearer(token),
          payload: { email: b.email, role: 'member' },
        });
        assert.equal(add.statusCode, 403);
        const space = await t.app.inject({
          method: 'POST',
          url: '/v1/organizations/alpha/memory-spaces',
          headers: bearer(token),
          payload: { name: 'x' },
        });
        assert.equal(space.statusCode, 403);
        const rename = await t.app.inject({
          method: 'PATCH',
          url: '/v1/organizations/alpha',
          headers: bearer(token),
          payload: { name: 'Hijacked' },
        });
        assert.equal(rename.statusCode, 403);
        assert.match(String(rename.headers['www-authenticate']), /error="insufficient_scope"/);
      }
    });

    test('only an owner grants owner; the last owner can be neither removed nor demoted', async () => {
      const admin = (await addMember(t, a, 'admin')).token;
      const promote = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/members',
        headers: bearer(admin),
        payload: { email: b.email, role: 'owner' },
      });
      assert.equal(promote.statusCode, 403);
      assert.equal(promote.json().error, 'insufficient_role');
      const demote = await t.app.inject({
        method: 'PATCH',
        url: `/v1/organizations/alpha/members/${a.userId}`,
        headers: bearer(a.access),
        payload: { role: 'admin' },
      });
      assert.equal(demote.statusCode, 409);
      assert.equal(demote.json().error, 'last_owner');
      const remove = await t.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/alpha/members/${a.userId}`,
        headers: bearer(a.access),
      });
      assert.equal(remove.statusCode, 409);
      const add = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/members',
        headers: bearer(a.access),
        payload: { email: b.email, role: 'owner' },
      });
      assert.equal(add.statusCode, 202, 'an invitation, pending until b accepts');
      registerSecret(add.json().token);
      await acceptInvitation(t, add.json().token, b.access);
      const again = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/members',
        headers: bearer(a.access),
        payload: { email: b.email, role: 'member' },
      });
      assert.equal(again.json().error, 'already_member');
      const demoteNow = await t.app.inject({
        method: 'PATCH',
        url: `/v1/organizations/alpha/members/${b.userId}`,
        headers: bearer(a.access),
        payload: { role: 'member' },
      });
      assert.equal(demoteNow.statusCode, 200);
    });

    test('a removed member loses access at once', async () => {
      const m = (await addMember(t, a, 'member')).token;
      const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(m) });
      const id = me.json().user.id;
      assert.equal(
        (await t.app.inject({ method: 'DELETE', url: `/v1/organizations/alpha/members/${id}`, headers: bearer(a.access) })).statusCode,
        204,
      );
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(m) })).statusCode, 401);
    });

    test('memory spaces: create, unique per organization, get by id or name, rename, paginate, delete', async () => {
      const h = bearer(a.access);
      for (const name of ['tenant_acme', 'tenant_b', 'tenant_c']) {
        assert.equal(
          (await t.app.inject({ method: 'POST', url: '/v1/organizations/alpha/memory-spaces', headers: h, payload: { name } })).statusCode,
          201,
        );
      }
      const dupe = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/memory-spaces',
        headers: h,
        payload: { name: 'tenant_acme' },
      });
      assert.equal(dupe.statusCode, 409);
      assert.equal(dupe.json().error, 'memory_space_exists');
      const sameNameElsewhere = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/beta/memory-spaces',
        headers: bearer(b.access),
        payload: { name: 'tenant_acme' },
      });
      assert.equal(sameNameElsewhere.statusCode, 201);
      const page1 = await t.app.inject({ method: 'GET', url: '/v1/organizations/alpha/memory-spaces?limit=2', headers: h });
      assert.equal(page1.json().data.length, 2);
      const page2 = await t.app.inject({
        method: 'GET',
        url: `/v1/organizations/alpha/memory-spaces?limit=2&cursor=${page1.json().next_cursor}`,
        headers: h,
      });
      assert.equal(page2.json().data.length, 1);
      assert.equal(page2.json().next_cursor, null);
      const badCursor = await t.app.inject({ method: 'GET', url: '/v1/organizations/alpha/memory-spaces?cursor=zzz', headers: h });
      assert.equal(badCursor.json().error, 'invalid_cursor');
      const byName = await t.app.inject({ method: 'GET', url: '/v1/organizations/alpha/memory-spaces/tenant_acme', headers: h });
      assert.equal(byName.statusCode, 200);
      const renamed = await t.app.inject({
        method: 'PATCH',
        url: `/v1/organizations/alpha/memory-spaces/${byName.json().id}`,
        headers: h,
        payload: { name: 'tenant_renamed' },
      });
      assert.equal(renamed.json().name, 'tenant_renamed');
      assert.equal(
        (await t.app.inject({ method: 'DELETE', url: '/v1/organizations/alpha/memory-spaces/tenant_renamed', headers: h })).statusCode,
        204,
      );
      assert.equal(
        (await t.app.inject({ method: 'GET', url: '/v1/organizations/alpha/memory-spaces/tenant_renamed', headers: h })).statusCode,
        404,
      );
    });

    test('organizations: list mine, rename (slug conflict 409), delete as owner', async () => {
      const list = await t.app.inject({ method: 'GET', url: '/v1/organizations', headers: bearer(b.access) });
      assert.deepEqual(
        list
          .json()
          .data.map((o: { slug: string }) => o.slug)
          .sort(), // b joined alpha above
        ['alpha', 'beta'],
      );
      const conflict = await t.app.inject({
        method: 'PATCH',
        url: '/v1/organizations/beta',
        headers: bearer(b.access),
        payload: { slug: 'alpha' },
      });
      assert.equal(conflict.json().error, 'slug_taken');
      const c = await registerOrg(t, 'gamma');
      assert.equal((await t.app.inject({ method: 'DELETE', url: '/v1/organizations/gamma', headers: bearer(c.access) })).statusCode, 204);
      // The owner's session in gamma ended with it.
      const gone = await t.app.inject({ method: 'GET', url: '/v1/organizations/gamma', headers: bearer(c.access) });
      assert.equal(gone.statusCode, 401);
      assert.equal(gone.json().error, 'token_revoked');
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/organizations/gamma', headers: bearer(b.access) })).statusCode, 404);
    });

    test('deleting an organization stops its API keys and sessions at once (no cache TTL to wait out)', async () => {
      const d = await registerOrg(t, 'delta');
      const other = (await login(t, d.email, d.password)).json();
      const k = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(d.access),
        payload: { name: 'k', scopes: ['*'] },
      });
      const key = k.json().key;
      registerSecret(key);
      const check = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/v1/auth/check', headers, payload: {} });
      // Warm every cache first.
      for (const h of [{ 'x-api-key': key }, bearer(d.access), bearer(other.access_token)]) assert.equal((await check(h)).statusCode, 200);
      const del = await t.app.inject({ method: 'DELETE', url: '/v1/organizations/delta', headers: bearer(d.access) });
      assert.equal(del.statusCode, 204);
      for (const h of [{ 'x-api-key': key }, bearer(d.access), bearer(other.access_token)]) {
        const res = await check(h);
        assert.equal(res.statusCode, 401, res.body);
      }
      const refresh = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: other.refresh_token } });
      assert.equal(refresh.statusCode, 401);
    });
  });
}
