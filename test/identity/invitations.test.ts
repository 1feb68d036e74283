import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { bearer, login, type Registered, registerOrg } from './support.ts';

for (const backend of BACKENDS) {
  describe(`invitations (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    let b: Registered;
    before(async () => {
      t = await createTestApp(backend);
      a = await registerOrg(t, 'alpha');
      b = await registerOrg(t, 'beta');
    });
    after(() => t.close());

    async function invite(email: string, role = 'member', token = a.access) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/invitations',
        headers: bearer(token),
        payload: { email, role },
      });
      if (res.statusCode === 201) registerSecret(res.json().token);
      return res;
    }
    const accept = (payload: object, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: '/v1/invitations/accept', headers, payload });

    test('a new user accepts once: account, membership with the role, tokens; the token never works twice', async () => {
      const inv = await invite('New.Person@example.com', 'readonly');
      assert.equal(inv.statusCode, 201, inv.body);
      assert.match(inv.json().token, /^ghi_/);
      assert.equal(inv.json().state, 'pending');
      const pw = 'new person password';
      registerSecret(pw);
      const results = await Promise.all(Array.from({ length: 10 }, () => accept({ token: inv.json().token, password: pw })));
      const ok = results.filter((r) => r.statusCode === 200);
      assert.equal(ok.length, 1, results.map((r) => r.statusCode).join(','));
      for (const r of ok) registerSecret(r.json().tokens.refresh_token);
      assert.ok(results.every((r) => r.statusCode === 200 || r.json().error === 'invitation_invalid' || r.json().error === 'email_taken'));
      assert.equal(ok[0]?.json().role, 'readonly');
      const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(ok[0]?.json().tokens.access_token) });
      assert.equal(me.json().organization.slug, 'alpha');
      assert.equal(me.json().role, 'readonly');
      assert.equal((await login(t, 'new.person@example.com', pw)).statusCode, 200);
      const list = await t.app.inject({ method: 'GET', url: '/v1/organizations/alpha/invitations', headers: bearer(a.access) });
      assert.equal(list.json().data[0].state, 'accepted');
      assert.ok(!list.body.includes(inv.json().token));
    });

    test('an existing user accepts with their own session only', async () => {
      const inv = await invite(b.email, 'admin');
      const anonymous = await accept({ token: inv.json().token, password: 'whatever long' });
      assert.equal(anonymous.statusCode, 401);
      const wrongUser = await accept({ token: inv.json().token }, bearer(a.access));
      assert.equal(wrongUser.statusCode, 401);
      const ok = await accept({ token: inv.json().token }, bearer(b.access));
      assert.equal(ok.statusCode, 200, ok.body);
      registerSecret(ok.json().tokens.refresh_token);
      assert.equal(ok.json().role, 'admin');
      assert.equal((await invite(b.email)).json().error, 'already_member');
    });

    test('expired, revoked, garbage and unknown tokens are invitation_invalid', async () => {
      const gone = await invite('late@example.com');
      t.clock.advance(7 * 86_400_000);
      assert.equal((await accept({ token: gone.json().token, password: 'a long password' })).json().error, 'invitation_invalid');
      const fresh = await login(t, a.email, a.password);
      const token = fresh.json().access_token;
      const revoked = await invite('revoked@example.com', 'member', token);
      const del = await t.app.inject({
        method: 'DELETE',
        url: `/v1/organizations/alpha/invitations/${revoked.json().id}`,
        headers: bearer(token),
      });
      assert.equal(del.statusCode, 204);
      assert.equal((await accept({ token: revoked.json().token, password: 'a long password' })).json().error, 'invitation_invalid');
      for (const garbage of ['nope', `ghi_${'A'.repeat(43)}`]) {
        const res = await accept({ token: garbage, password: 'a long password' });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error, 'invitation_invalid');
      }
    });

    test('who may invite: admins and owners; only owners invite owners; other organizations are 404', async () => {
      const fresh = (await login(t, a.email, a.password)).json().access_token;
      const owner = await invite('x@example.com', 'owner', fresh);
      assert.equal(owner.statusCode, 201);
      const bFresh = (await login(t, b.email, b.password, 'alpha')).json().access_token;
      const adminOwner = await invite('y@example.com', 'owner', bFresh);
      assert.equal(adminOwner.statusCode, 403);
      assert.equal((await invite('z@example.com', 'member', bFresh)).statusCode, 201);
      const foreign = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/beta/invitations',
        headers: bearer(fresh),
        payload: { email: 'q@example.com', role: 'member' },
      });
      assert.equal(foreign.statusCode, 404);
    });
  });
}
