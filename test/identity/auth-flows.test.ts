import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { passwordOperations } from '../../src/credentials/passwords.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { bearer, login, problem, registerOrg } from './support.ts';

for (const backend of BACKENDS) {
  describe(`sign-up, login and sessions (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend);
    });
    after(() => t.close());

    test('register an organization: owner, tokens that work on /v1/auth/me', async () => {
      const r = await registerOrg(t, 'acme');
      const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(r.access) });
      assert.equal(me.statusCode, 200);
      const body = me.json();
      assert.equal(body.user.id, r.userId);
      assert.equal(body.organization.slug, 'acme');
      assert.equal(body.role, 'owner');
      assert.deepEqual(
        body.memberships.map((m: { slug: string }) => m.slug),
        ['acme'],
      );
      assert.ok(!me.body.includes('password'));
    });

    test('duplicate slug and email (after normalisation) are precise 409s; nothing half-created', async () => {
      await registerOrg(t, 'dupe');
      const again = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/register',
        payload: {
          organization_name: 'X',
          organization_slug: 'dupe',
          admin_email: 'new@example.com',
          admin_name: 'X',
          admin_password: 'long enough pw',
        },
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error, 'slug_taken');
      const email = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/register',
        payload: {
          organization_name: 'Y',
          organization_slug: 'fresh-y',
          admin_email: 'OWNER-DUPE@Example.com',
          admin_name: 'Y',
          admin_password: 'long enough pw',
        },
      });
      assert.equal(email.statusCode, 409);
      assert.equal(email.json().error, 'email_taken');
      const org = await t.services.storage.db.selectFrom('organizations').select('id').where('slug', '=', 'fresh-y').executeTakeFirst();
      assert.equal(org, undefined, 'the transaction left no organization behind');
    });

    test('bad input: missing, unknown and mistyped fields, malformed JSON, short and 1 MB passwords are 400s', async () => {
      const base = {
        organization_name: 'Z',
        organization_slug: 'zeta',
        admin_email: 'z@example.com',
        admin_name: 'Z',
        admin_password: 'long enough pw',
      };
      const cases: [unknown, string][] = [
        [{ ...base, admin_email: undefined }, 'validation_failed'],
        [{ ...base, extra: 1 }, 'validation_failed'],
        [{ ...base, admin_password: 12345678 }, 'validation_failed'],
        [{ ...base, admin_password: 'short' }, 'validation_failed'],
        [{ ...base, organization_slug: 'Bad Slug!' }, 'validation_failed'],
        [{ ...base, admin_password: 'x'.repeat(1_000_000) }, 'validation_failed'],
        [{ ...base, admin_email: 'z\u0000x@example.com' }, 'validation_failed'],
        [{ ...base, admin_email: 'z\u0085x@example.com' }, 'validation_failed'],
        [{ ...base, admin_email: ' z@example.com' }, 'validation_failed'],
        [{ ...base, admin_email: 'z@x@example.com' }, 'validation_failed'],
        [{ ...base, organization_name: ['Z'] }, 'validation_failed'],
        [{ ...base, organization_name: 'Z\u0007' }, 'invalid_name'],
        [{ ...base, admin_name: 'line\nbreak' }, 'invalid_name'],
        [[base], 'validation_failed'],
        [null, 'validation_failed'],
      ];
      const count = async (table: 'users' | 'organizations' | 'sessions') =>
        Number(
          (
            await t.services.storage.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = [await count('users'), await count('organizations'), await count('sessions')];
      for (const [payload, error] of cases) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/organizations/register',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(payload),
        });
        assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80));
        assert.equal(res.json().error, error);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      }
      // Unicode is fine once it is a real address; the same address in capitals and full-width letters is the same user.
      const uni = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'Ωmega@exämple.com', password: 'long enough pw' },
      });
      assert.equal(uni.statusCode, 201, uni.body);
      registerSecret(uni.json().tokens.access_token);
      registerSecret(uni.json().tokens.refresh_token);
      const wide = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'ΩＭＥＧＡ@EXÄMPLE.COM', password: 'long enough pw' },
      });
      assert.equal(wide.statusCode, 409, wide.body);
      assert.deepEqual(
        [await count('users'), await count('organizations'), await count('sessions')],
        [(before[0] ?? 0) + 1, (before[1] ?? 0) + 1, (before[2] ?? 0) + 1],
      );
      const json = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"email":',
      });
      assert.equal(json.statusCode, 400);
      assert.equal(json.json().error, 'malformed_json');
      const both = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'a@b.c', username: 'abc', password: 'x' },
      });
      assert.equal(both.statusCode, 400);
    });

    test('unknown user and wrong password answer identically', async () => {
      const r = await registerOrg(t);
      const wrong = await login(t, r.email, 'not the password');
      const unknown = await login(t, 'nobody@example.com', 'not the password');
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      assert.deepEqual(problem(wrong.body), problem(unknown.body));
      assert.equal(wrong.headers['www-authenticate'], unknown.headers['www-authenticate']);
      const headers = (h: Record<string, unknown>) => {
        const { date: _d, 'x-request-id': _r, ...rest } = h;
        return rest;
      };
      assert.deepEqual(headers(wrong.headers), headers(unknown.headers));
      // By username too.
      const byName = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'no-such-user', password: 'x' } });
      assert.deepEqual(problem(byName.body), problem(unknown.body));
      // And the same work: an unknown user is checked against a dummy argon2 hash, counted rather
      // than timed (the machine is noisy). A bare lookup would answer far sooner.
      const work = async (email: string) => {
        const before = passwordOperations();
        await login(t, email, 'not the password');
        return passwordOperations() - before;
      };
      assert.equal(await work(r.email), 1, 'a wrong password costs one argon2 verification');
      assert.equal(await work('nobody-at-all@example.com'), 1, 'an unknown user costs the same one');
      // A disabled user with the right password: the same answer, and the session stops refreshing.
      const d = await registerOrg(t);
      await t.services.storage.db.updateTable('users').set({ disabled_at: t.clock.now() }).where('id', '=', d.userId).execute();
      const disabled = await login(t, d.email, d.password);
      assert.deepEqual(problem(disabled.body), problem(unknown.body));
      assert.deepEqual(headers(disabled.headers), headers(unknown.headers));
      const refresh = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: d.refresh } });
      assert.equal(refresh.statusCode, 401);
      const ok = await login(t, r.email.toUpperCase(), r.password);
      assert.equal(ok.statusCode, 200);
      for (const k of ['access_token', 'token_type', 'expires_in', 'expires_at', 'refresh_token']) assert.ok(k in ok.json(), k);
      assert.equal(ok.json().token_type, 'Bearer');
      assert.equal(ok.json().expires_in, 900);
    });

    test('every 401 carries WWW-Authenticate, also on the public login and refresh routes (RFC 9110 §15.5.2)', async () => {
      const login401 = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'no@example.com', password: 'x' } });
      const refresh401 = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: 'ghr_nope' } });
      for (const res of [login401, refresh401]) {
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['www-authenticate']), /^Bearer realm="gatehouse"/);
      }
    });

    test('user registration with username: personal organization, login by username', async () => {
      const password = 'a user password 1';
      registerSecret(password);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { username: 'MyUser', email: 'myuser@example.com', password },
      });
      assert.equal(res.statusCode, 201, res.body);
      registerSecret(res.json().tokens.refresh_token);
      const dupe = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { username: 'myuser', email: 'other@example.com', password },
      });
      assert.equal(dupe.json().error, 'username_taken');
      const byName = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'MYUSER', password } });
      assert.equal(byName.statusCode, 200);
      registerSecret(byName.json().refresh_token);
    });

    test('refresh rotates; a reused refresh token kills the family and its access tokens', async () => {
      const r = await registerOrg(t);
      const first = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: r.refresh } });
      assert.equal(first.statusCode, 200);
      const next = first.json();
      registerSecret(next.refresh_token);
      assert.notEqual(next.refresh_token, r.refresh);
      t.clock.advance(t.config.refreshReuseLeeway * 1000 + 1); // past the leeway for concurrent duplicates
      const reuse = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: r.refresh } });
      assert.equal(reuse.statusCode, 401);
      assert.equal(reuse.json().error, 'refresh_token_reused');
      for (const access of [r.access, next.access_token]) {
        const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(access) });
        assert.equal(me.statusCode, 401);
        assert.equal(me.json().error, 'token_revoked');
      }
      const later = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: next.refresh_token } });
      assert.equal(later.statusCode, 401);
    });

    test('twenty concurrent refreshes with one token: exactly one succeeds', async () => {
      const r = await registerOrg(t);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: r.refresh } })),
      );
      for (const res of results) if (res.statusCode === 200) registerSecret(res.json().refresh_token);
      assert.equal(results.filter((res) => res.statusCode === 200).length, 1);
      // The losers are told the token was just rotated (409); nothing is revoked (refresh-race.test.ts).
      assert.ok(results.every((res) => res.statusCode === 200 || res.statusCode === 409));
    });

    test('idle and absolute session lifetimes', async () => {
      const r = await registerOrg(t);
      t.clock.advance(7 * 86_400_000 + 1);
      const idle = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: r.refresh } });
      assert.equal(idle.statusCode, 401);
      assert.equal(idle.json().error, 'invalid_refresh_token');
      const s = await registerOrg(t);
      let refresh = s.refresh;
      for (let day = 0; day < 31; day += 6) {
        t.clock.advance(6 * 86_400_000);
        const res = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: refresh } });
        if (day + 6 >= 30) {
          assert.equal(res.statusCode, 401, `day ${day + 6}`);
          break;
        }
        assert.equal(res.statusCode, 200, `day ${day + 6}`);
        refresh = res.json().refresh_token;
        registerSecret(refresh);
      }
    });

    test('logout ends the session; password change ends every other session', async () => {
      const r = await registerOrg(t);
      const other = (await login(t, r.email, r.password)).json();
      const out = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(other.access_token) });
      assert.equal(out.statusCode, 204);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(other.access_token) })).statusCode, 401);
      const third = (await login(t, r.email, r.password)).json();
      const wrong = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/password',
        headers: bearer(r.access),
        payload: { current_password: 'nope nope', new_password: 'a brand new password' },
      });
      assert.equal(wrong.statusCode, 403);
      assert.equal(wrong.json().error, 'wrong_current_password');
      const newPassword = 'a brand new password';
      registerSecret(newPassword);
      const ok = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/password',
        headers: bearer(r.access),
        payload: { current_password: r.password, new_password: newPassword },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().sessions_revoked, 1);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(third.access_token) })).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(r.access) })).statusCode, 200);
      assert.equal((await login(t, r.email, r.password)).statusCode, 401);
      assert.equal((await login(t, r.email, newPassword)).statusCode, 200);
      // An API key of the same organization may not change the owner's password: 403, nothing changes.
      const key = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(r.access),
        payload: { name: 'k', scopes: ['*'] },
      });
      registerSecret(key.json().key);
      const byKey = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/password',
        headers: { 'x-api-key': key.json().key },
        payload: { current_password: newPassword, new_password: 'yet another password' },
      });
      assert.equal(byKey.statusCode, 403);
      assert.equal(byKey.json().error, 'user_session_required');
      assert.equal((await login(t, r.email, newPassword)).statusCode, 200);
    });

    test('no secret reaches a log line or the response of another route', async () => {
      const r = await registerOrg(t);
      const lines = JSON.stringify(t.logs);
      for (const secret of [r.password, r.access, r.refresh]) assert.ok(!lines.includes(secret));
    });
  });
}
