/**
 * Rule 5: concurrency never punishes the legitimate client. Concurrent refreshes with one token
 * (two tabs, two workers) get one winner and non-destructive answers for the others; a token
 * presented again after the leeway is reuse and ends the session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { bearer, login, type Registered, registerOrg } from './support.ts';

for (const backend of BACKENDS) {
  describe(`concurrent refreshes and the reuse leeway (${backend})`, () => {
    let t: TestApp;
    let owner: Registered;
    before(async () => {
      t = await createTestApp(backend);
      owner = await registerOrg(t);
    });
    after(() => t.close());

    const refresh = (token: string) => t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } });
    const me = (access: string) => t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(access) });

    async function freshSession(): Promise<{ access: string; refresh: string }> {
      const res = await login(t, owner.email, owner.password);
      assert.equal(res.statusCode, 200, res.body);
      return { access: res.json().access_token, refresh: res.json().refresh_token };
    }

    function winner(res: Awaited<ReturnType<typeof refresh>>) {
      registerSecret(res.json().access_token);
      registerSecret(res.json().refresh_token);
      return { access: res.json().access_token as string, refresh: res.json().refresh_token as string };
    }

    test('20 concurrent refreshes with one token: one wins, 19 get a non-destructive 409, the winner keeps working', async () => {
      const s = await freshSession();
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(s.refresh)));
      const ok = results.filter((r) => r.statusCode === 200);
      assert.equal(ok.length, 1, results.map((r) => r.statusCode).join(','));
      const losers = results.filter((r) => r.statusCode !== 200);
      assert.equal(losers.length, 19);
      for (const r of losers) {
        assert.equal(r.statusCode, 409, r.body);
        assert.equal(r.json().code, 'ERR-3050');
        assert.equal(r.json().error, 'refresh_token_rotated');
        assert.match(r.headers['content-type'] as string, /application\/problem\+json/);
        assert.ok(!r.body.includes(s.refresh), 'the token is never echoed');
      }
      const won = winner(ok[0] as (typeof results)[number]);
      assert.equal((await me(won.access)).statusCode, 200, "the winner's access token still works");
      assert.equal((await me(s.access)).statusCode, 200, 'the session was not revoked');
      const next = await refresh(won.refresh);
      assert.equal(next.statusCode, 200, next.body);
      winner(next);
    });

    test('a duplicate within the leeway is 409 again and again, never a revocation', async () => {
      const s = await freshSession();
      const won = winner(await refresh(s.refresh));
      t.clock.advance(9_000);
      const late = await refresh(s.refresh);
      assert.equal(late.statusCode, 409, late.body);
      assert.equal((await me(won.access)).statusCode, 200);
      const next = await refresh(won.refresh);
      assert.equal(next.statusCode, 200, next.body);
      winner(next);
    });

    test('after the leeway, presenting a rotated token is reuse: the whole family ends', async () => {
      const s = await freshSession();
      const won = winner(await refresh(s.refresh));
      t.clock.advance(10_001);
      const reuse = await refresh(s.refresh);
      assert.equal(reuse.statusCode, 401, reuse.body);
      assert.equal(reuse.json().error, 'refresh_token_reused');
      assert.equal((await me(won.access)).statusCode, 401, "the successor's access token is revoked");
      assert.equal((await refresh(won.refresh)).statusCode, 401, 'and so is its refresh token');
    });

    test('within the leeway, a token older than the last rotation is still reuse', async () => {
      const s = await freshSession();
      const second = winner(await refresh(s.refresh));
      const third = winner(await refresh(second.refresh));
      const reuse = await refresh(s.refresh);
      assert.equal(reuse.statusCode, 401, reuse.body);
      assert.equal(reuse.json().error, 'refresh_token_reused');
      assert.equal((await me(third.access)).statusCode, 401);
    });
  });

  describe(`refreshReuseLeeway = 0 turns the leeway off (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend, { refreshReuseLeeway: 0 });
    });
    after(() => t.close());

    test('the first duplicate is reuse', async () => {
      const owner = await registerOrg(t);
      const first = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: owner.refresh } });
      assert.equal(first.statusCode, 200);
      registerSecret(first.json().refresh_token);
      const dup = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: owner.refresh } });
      assert.equal(dup.statusCode, 401);
      assert.equal(dup.json().error, 'refresh_token_reused');
    });
  });
}
