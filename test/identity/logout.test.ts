/**
 * `POST /v1/auth/logout`: the caller's own session always ends; a refresh token that is not the
 * caller's (garbage, unknown, another user's) is refused with a stable code and touches nothing
 * else; it never answers 204 while ending nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { bearer, createKey, login, type Registered, registerOrg } from './support.ts';

for (const backend of BACKENDS) {
  describe(`logout (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend);
    });
    after(() => t.close());

    const logout = (headers: Record<string, string>, payload?: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers, ...(payload ? { payload } : {}) });
    const me = async (token: string) => (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(token) })).statusCode;
    const refresh = async (token: string) =>
      (await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } })).statusCode;

    /** A second session of the same user. */
    async function again(r: Registered): Promise<{ access: string; refresh: string }> {
      const res = await login(t, r.email, r.password);
      assert.equal(res.statusCode, 200, res.body);
      return { access: res.json().access_token, refresh: res.json().refresh_token };
    }

    test('without a body: the own session ends (its access and refresh tokens stop)', async () => {
      const r = await registerOrg(t);
      assert.equal((await logout(bearer(r.access))).statusCode, 204);
      assert.equal(await me(r.access), 401);
      assert.equal(await refresh(r.refresh), 401);
    });

    test('with its own refresh token: 204, the session ends', async () => {
      const r = await registerOrg(t);
      assert.equal((await logout(bearer(r.access), { refresh_token: r.refresh })).statusCode, 204);
      assert.equal(await me(r.access), 401);
      assert.equal(await refresh(r.refresh), 401);
    });

    test("with the refresh token of another of the user's sessions: both end", async () => {
      const r = await registerOrg(t);
      const other = await again(r);
      assert.equal((await logout(bearer(r.access), { refresh_token: other.refresh })).statusCode, 204);
      assert.equal(await me(r.access), 401);
      assert.equal(await me(other.access), 401);
      assert.equal(await refresh(other.refresh), 401);
    });

    test('a garbage refresh token: 400 ERR-3060, the own session ends anyway', async () => {
      for (const garbage of ['garbage', '', 'ghr_short']) {
        const r = await registerOrg(t);
        const res = await logout(bearer(r.access), { refresh_token: garbage });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().code, 'ERR-3060');
        assert.equal(res.json().error, 'logout_refresh_token_malformed');
        assert.match(String(res.headers['content-type']), /application\/problem\+json/);
        assert.equal(await me(r.access), 401);
      }
    });

    test("another user's refresh token: 403 ERR-3061, theirs keeps working, the caller's own session ends", async () => {
      const caller = await registerOrg(t);
      const victim = await registerOrg(t);
      const res = await logout(bearer(caller.access), { refresh_token: victim.refresh });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, 'ERR-3061');
      assert.equal(await me(caller.access), 401);
      assert.equal(await me(victim.access), 200);
      assert.equal(await refresh(victim.refresh), 200);
    });

    test('an unknown refresh token of the right shape: the same 403 ERR-3061 (no oracle)', async () => {
      const r = await registerOrg(t);
      const res = await logout(bearer(r.access), { refresh_token: `ghr_${'A'.repeat(43)}` });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, 'ERR-3061');
      assert.equal(await me(r.access), 401);
    });

    test('an API key has no session: 400 ERR-3062 and nothing changes; with its creator’s refresh token, that session ends', async () => {
      const r = await registerOrg(t);
      const { key } = await createKey(t, r.access, { name: 'k', scopes: ['*'] });
      const none = await logout({ 'x-api-key': key });
      assert.equal(none.statusCode, 400, none.body);
      assert.equal(none.json().code, 'ERR-3062');
      assert.equal(await me(r.access), 200);
      const foreign = await registerOrg(t);
      const refused = await logout({ 'x-api-key': key }, { refresh_token: foreign.refresh });
      assert.equal(refused.statusCode, 403);
      assert.equal(await me(foreign.access), 200);
      const own = await logout({ 'x-api-key': key }, { refresh_token: r.refresh });
      assert.equal(own.statusCode, 204, own.body);
      assert.equal(await me(r.access), 401);
    });

    test('an ended session cannot log out again: 401', async () => {
      const r = await registerOrg(t);
      assert.equal((await logout(bearer(r.access))).statusCode, 204);
      assert.equal((await logout(bearer(r.access))).statusCode, 401);
    });
  });
}
