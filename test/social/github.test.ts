/**
 * Sign in with GitHub against a GitHub-shaped OAuth server on loopback (plain OAuth 2.0 with
 * PKCE, then `/user` and `/user/emails`): the API flow through the native path and the seed's
 * alias, linking by verified email only, replayed and mismatched callbacks, the provider down,
 * and the identities API with its security matrix. Both storage backends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createClient, type ListeningApp, listeningApp } from '../oauth/support.ts';
import { BACKENDS } from '../support/backends.ts';
import { CLIENT_SECRET, type GitHubAccount, githubServer } from './providers.ts';
import { apiSignIn, auditEvents, Jar, problemOf, toCallback, tokensOf } from './support.ts';

const APP = 'https://app.example.com/callback';
let n = 0;
const account = (emails: GitHubAccount['emails'], name: string | null = 'Octo'): GitHubAccount => ({
  id: 1000 + ++n,
  login: `octo${n}`,
  name,
  emails,
});

for (const backend of BACKENDS) {
  describe(`sign in with GitHub (${backend})`, () => {
    let gh: Awaited<ReturnType<typeof githubServer>>;
    let t: ListeningApp;

    before(async () => {
      gh = await githubServer();
      t = await listeningApp(backend, {
        githubClientId: 'gh-client',
        githubClientSecret: CLIENT_SECRET,
        githubAuthorizationUrl: `${gh.base}/login/oauth/authorize`,
        githubTokenUrl: `${gh.base}/login/oauth/access_token`,
        githubApiUrl: `${gh.base}/api`,
        jwksTimeout: 1,
      });
    });
    after(async () => {
      await t.close();
      await gh.close();
    });

    const me = async (access: string) => (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(access) })).json();

    /** Starts linking GitHub from this session and follows GitHub back: the callback URL, in the browser that started it. */
    const linkCallback = async (access: string) => {
      const start = await fetch(`${t.base}/v1/users/me/identities/github`, { method: 'POST', headers: bearer(access) });
      assert.equal(start.status, 200);
      const jar = new Jar();
      jar.setCookie(t.base, 'gh_social_state', start.headers.getSetCookie()[0]?.split(';')[0]?.split('=')[1] ?? '');
      const callback = await jar.follow(
        ((await start.json()) as { authorization_url: string }).authorization_url,
        (u) => u.origin === t.base,
      );
      assert.ok(callback instanceof URL);
      return { jar, callback };
    };

    /** Links the provider's current account to the user of this session, through the API and the provider. */
    const linkFromSession = async (access: string) => {
      const { jar, callback } = await linkCallback(access);
      const linked = await jar.request(callback);
      assert.equal(linked.status, 200, jar.html);
    };

    test('the entry point redirects to GitHub with state and PKCE S256, and binds the state to the browser', async () => {
      const res = await fetch(`${t.base}/v1/auth/github`, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const to = new URL(String(res.headers.get('location')));
      assert.equal(`${to.origin}${to.pathname}`, `${gh.base}/login/oauth/authorize`);
      assert.equal(to.searchParams.get('client_id'), 'gh-client');
      assert.equal(to.searchParams.get('redirect_uri'), `${t.base}/v1/auth/github/callback`);
      assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
      assert.match(to.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
      const state = to.searchParams.get('state') ?? '';
      assert.match(state, /^[A-Za-z0-9_-]{43}$/);
      const cookie = res.headers.getSetCookie()[0] ?? '';
      assert.match(cookie, new RegExp(`^gh_social_state=${state}; Path=/v1/auth; HttpOnly; SameSite=Lax`));
      // Only the state's keyed hash is stored, never the state, verifier or nonce.
      const rows = await t.services.storage.db.selectFrom('social_flows').selectAll().execute();
      assert.ok(rows.length > 0);
      assert.ok(!JSON.stringify(rows).includes(state));
    });

    test('first sign-in creates the user and a personal organization; the next finds the same user; the alias works too', async () => {
      gh.current = account([
        { email: 'second@gh.example', primary: false, verified: true },
        { email: 'First@GH.example', primary: true, verified: true },
      ]);
      const first = await apiSignIn(t, '/v1/auth/github');
      const who = await me(first.access_token);
      assert.equal(who.user.email, 'First@GH.example');
      assert.equal(who.user.name, 'Octo');
      assert.equal(who.role, 'owner');
      assert.equal(who.memberships.length, 1);
      assert.match(who.organization.slug, /^personal-/);
      const again = await apiSignIn(t, '/api/v1/auth/github');
      assert.equal((await me(again.access_token)).user.id, who.user.id);
      // The refresh token is a normal Gatehouse session.
      const r = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: again.refresh_token } });
      assert.equal(r.statusCode, 200);
      // No password: login with any password fails exactly like a wrong one.
      const login = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'first@gh.example', password: 'any password at all' },
      });
      assert.equal(login.statusCode, 401);
      assert.equal(login.json().code, 'ERR-3001');
      const events = await auditEvents(t, 'auth.social.succeeded');
      assert.ok(events.some((e) => e.actor_id === who.user.id && String(e.details).includes('github')));
      const linked = await auditEvents(t, 'user.identity.linked');
      assert.ok(linked.some((e) => e.actor_id === who.user.id && String(e.details).includes('created')));
    });

    test('an existing user is linked by the verified primary email; an unverified one never links nor creates', async () => {
      const owner = await registerOrg(t);
      gh.current = account([{ email: owner.email.toUpperCase(), primary: true, verified: false }]);
      const jar = new Jar();
      const refused = await jar.request(await toCallback(jar, t.base, '/v1/auth/github'));
      assert.deepEqual(await problemOf(refused), {
        status: 403,
        code: 'ERR-8025',
        detail: 'Email address not verified',
      });
      // A verified address that is not the primary one does not count either; nobody is created or linked.
      const users = async () => (await t.services.storage.db.selectFrom('users').select('id').execute()).length;
      const links = async () => (await t.services.storage.db.selectFrom('user_identities').select('id').execute()).length;
      const [usersBefore, linksBefore] = [await users(), await links()];
      const unverified = `x${n}@gh.example`;
      gh.current = account([
        { email: owner.email, primary: false, verified: true },
        { email: unverified, primary: true, verified: false },
      ]);
      const jar2 = new Jar();
      assert.equal((await problemOf(await jar2.request(await toCallback(jar2, t.base, '/v1/auth/github')))).code, 'ERR-8025');
      assert.deepEqual([await users(), await links()], [usersBefore, linksBefore]);
      // Verified, but the account has a password: whoever registered it never proved the address,
      // so signing in with the provider does not take it over (pre-account takeover). Nothing is linked.
      gh.current = account([{ email: owner.email, primary: true, verified: true }]);
      const jar3 = new Jar();
      const takeover = await jar3.request(await toCallback(jar3, t.base, '/v1/auth/github'));
      assert.deepEqual(await problemOf(takeover), { status: 409, code: 'ERR-8029', detail: 'Sign in to link this provider' });
      assert.deepEqual([await users(), await links()], [usersBefore, linksBefore]);
      // Signed in with the password, the owner links it; from then on the provider signs in as the owner.
      await linkFromSession(owner.access);
      const tokens = await apiSignIn(t, '/v1/auth/github');
      const who = await me(tokens.access_token);
      assert.equal(who.user.id, owner.userId);
      assert.equal(who.organization.id, owner.orgId);
      const list = await t.app.inject({ method: 'GET', url: '/v1/users/me/identities', headers: bearer(owner.access) });
      assert.equal(list.statusCode, 200, list.body);
      assert.equal(list.json().data.length, 1);
      assert.equal(list.json().data[0].provider, 'github');
      assert.equal(list.json().data[0].subject, String(gh.current.id));
      assert.deepEqual(list.json().available, [{ id: 'github', name: 'GitHub' }]);
      const failed = await auditEvents(t, 'auth.social.failed');
      assert.ok(failed.some((e) => String(e.details).includes('ERR-8025')));
      assert.ok(failed.some((e) => String(e.details).includes('ERR-8029')));
    });

    test("a replayed callback, a state that is not this browser's, and no state at all are refused (ERR-8021)", async () => {
      gh.current = account([{ email: `replay${n}@gh.example`, primary: true, verified: true }]);
      const jar = new Jar();
      const callback = await toCallback(jar, t.base, '/v1/auth/github');
      const cookie = jar.cookie(t.base, 'gh_social_state') ?? '';
      await tokensOf(await jar.request(callback));
      // Replay with the same URL and the same cookie: the flow was consumed.
      const replay = await fetch(callback, { headers: { cookie: `gh_social_state=${cookie}` } });
      assert.equal((await problemOf(replay)).code, 'ERR-8021');
      assert.equal(replay.status, 400);
      // Another browser's callback (login CSRF): its state does not match this browser's cookie.
      const victim = new Jar();
      await victim.follow(`${t.base}/v1/auth/github`, () => true);
      const attacker = new Jar();
      const attackersCallback = await toCallback(attacker, t.base, '/v1/auth/github');
      const forced = await victim.request(attackersCallback);
      assert.equal((await problemOf(forced)).code, 'ERR-8021');
      // The refused attempt consumed nothing: the attacker's own browser can still finish its own sign-in.
      assert.equal((await attacker.request(attackersCallback)).status, 200);
      const bare = await fetch(`${t.base}/v1/auth/github/callback?code=x`);
      assert.equal((await problemOf(bare)).code, 'ERR-8021');
    });

    test('GitHub refusing the code (HTTP 200 with error) and the user declining are ERR-8022, never a 500', async () => {
      const jar = new Jar();
      const callback = await toCallback(jar, t.base, '/v1/auth/github');
      callback.searchParams.set('code', 'not-a-code');
      const bad = await jar.request(callback);
      assert.deepEqual(await problemOf(bad), { status: 400, code: 'ERR-8022', detail: 'github answered bad_verification_code' });
      const jar2 = new Jar();
      const declined = await toCallback(jar2, t.base, '/v1/auth/github');
      const url = new URL(declined.pathname, t.base);
      url.searchParams.set('error', 'access_denied');
      url.searchParams.set('state', declined.searchParams.get('state') ?? '');
      assert.equal((await problemOf(await jar2.request(url))).code, 'ERR-8022');
    });

    test('the identities API: link another GitHub account is refused while one is linked; unlink; the last way in stays', async () => {
      gh.current = account([{ email: `solo${n}@gh.example`, primary: true, verified: true }]);
      const solo = await apiSignIn(t, '/v1/auth/github');
      const list = await t.app.inject({ method: 'GET', url: '/v1/users/me/identities', headers: bearer(solo.access_token) });
      const [identity] = list.json().data as { id: string }[];
      assert.ok(identity);
      // No password, one provider: unlinking would lock the user out.
      const last = await t.app.inject({
        method: 'DELETE',
        url: `/v1/users/me/identities/${identity.id}`,
        headers: bearer(solo.access_token),
      });
      assert.equal(last.statusCode, 409, last.body);
      assert.equal(last.json().code, 'ERR-8027');
      // A user with a password links GitHub through the API, then unlinks it.
      const owner = await registerOrg(t);
      gh.current = account([{ email: `other${n}@gh.example`, primary: true, verified: false }]);
      const { jar, callback } = await linkCallback(owner.access);
      const linked = await jar.request(callback);
      assert.equal(linked.status, 200, jar.html);
      const { identity: made } = (await linked.json()) as { identity: { id: string; provider: string; email: string | null } };
      assert.equal(made.provider, 'github');
      assert.equal(made.email, null, 'an unverified address is not recorded');
      // That GitHub account now signs in as the owner.
      assert.equal((await me((await apiSignIn(t, '/v1/auth/github')).access_token)).user.id, owner.userId);
      // The solo user's GitHub account cannot be linked to the owner as well.
      const { jar: jar2, callback: second } = await linkCallback(owner.access);
      assert.equal((await problemOf(await jar2.request(second))).code, 'ERR-8026');
      const unlink = await t.app.inject({ method: 'DELETE', url: `/v1/users/me/identities/${made.id}`, headers: bearer(owner.access) });
      assert.equal(unlink.statusCode, 204, unlink.body);
      const gone = await t.app.inject({ method: 'DELETE', url: `/v1/users/me/identities/${made.id}`, headers: bearer(owner.access) });
      assert.equal(gone.statusCode, 404);
      const events = await auditEvents(t, 'user.identity.unlinked');
      assert.ok(events.some((e) => e.target_id === made.id && e.actor_id === owner.userId));
    });

    test("security matrix of the identities API: no or bad credentials, another user's identity, a key, a missing scope", async () => {
      const a: Registered = await registerOrg(t);
      const b: Registered = await registerOrg(t);
      gh.current = account([{ email: b.email, primary: true, verified: true }]);
      await linkFromSession(b.access);
      const bList = await t.app.inject({ method: 'GET', url: '/v1/users/me/identities', headers: bearer(b.access) });
      const bIdentity = (bList.json().data as { id: string }[])[0]?.id ?? '';
      for (const [method, url] of [
        ['GET', '/v1/users/me/identities'],
        ['POST', '/v1/users/me/identities/github'],
        ['DELETE', `/v1/users/me/identities/${bIdentity}`],
      ] as const) {
        const none = await t.app.inject({ method, url });
        assert.equal(none.statusCode, 401, `${method} ${url}`);
        const garbage = await t.app.inject({ method, url, headers: bearer('not-a-token') });
        assert.equal(garbage.statusCode, 401, `${method} ${url}`);
        const narrow = await createKey(t, a.access, { name: 'narrow', scopes: ['contexts:read'] });
        const noScope = await t.app.inject({ method, url, headers: bearer(narrow.key) });
        assert.equal(noScope.statusCode, 403, `${method} ${url}`);
        assert.equal(noScope.json().code, 'ERR-6001');
        const wide = await createKey(t, a.access, { name: 'wide', scopes: ['*'] });
        const key = await t.app.inject({ method, url, headers: bearer(wide.key) });
        assert.equal(key.statusCode, 403, `${method} ${url}`);
        assert.equal(key.json().code, 'ERR-8028');
      }
      // Another user's identity is a 404, exactly like a missing one, and stays linked.
      const foreign = await t.app.inject({ method: 'DELETE', url: `/v1/users/me/identities/${bIdentity}`, headers: bearer(a.access) });
      assert.equal(foreign.statusCode, 404);
      const still = await t.app.inject({ method: 'GET', url: '/v1/users/me/identities', headers: bearer(b.access) });
      assert.equal(still.json().data.length, 1);
      const unknown = await t.app.inject({ method: 'POST', url: '/v1/users/me/identities/nope', headers: bearer(a.access) });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'ERR-1011');
    });

    test('browser flow: "Continue with GitHub" on the sign-in page ends back in the authorization, with a code for the client', async () => {
      const owner = await registerOrg(t);
      const app = await createClient(t, owner, { client_name: 'Pages', redirect_uris: [APP], token_endpoint_auth_method: 'none' });
      const authorize = new URL('/oauth/authorize', t.base);
      authorize.search = new URLSearchParams({
        client_id: app.client_id,
        redirect_uri: APP,
        response_type: 'code',
        state: 's1',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGcSjtz3bI',
        code_challenge_method: 'S256',
      }).toString();
      const jar = new Jar();
      assert.ok((await jar.follow(authorize, () => false)) instanceof Response);
      assert.match(jar.html, /value="github">Continue with GitHub</);
      const csrf = /name="csrf" value="([^"]+)"/.exec(jar.html)?.[1] ?? '';
      const email = `pages${n}@gh.example`;
      gh.current = account([{ email, primary: true, verified: true }]);
      const back = await jar.follow(`${t.base}/oauth/interaction/social`, (u) => u.pathname === '/oauth/interaction', {
        form: { provider: 'github', csrf },
      });
      assert.ok(back instanceof URL, jar.html);
      assert.equal((await jar.request(back)).status, 200);
      assert.match(jar.html, /Pages wants to access your account/);
      const organization = /name="organization" value="([^"]+)"/.exec(jar.html)?.[1] ?? '';
      const csrf2 = /name="csrf" value="([^"]+)"/.exec(jar.html)?.[1] ?? '';
      const done = await jar.request(`${t.base}/oauth/interaction/consent`, { form: { csrf: csrf2, organization, decision: 'allow' } });
      assert.equal(done.status, 303);
      const redirect = new URL(String(done.headers.get('location')));
      assert.equal(`${redirect.origin}${redirect.pathname}`, APP);
      assert.match(redirect.searchParams.get('code') ?? '', /.{20,}/);
      assert.equal(redirect.searchParams.get('state'), 's1');
      const users = await t.services.storage.db.selectFrom('users').select('id').where('email', '=', email).execute();
      assert.equal(users.length, 1);
    });

    test('GitHub down at the callback: 502 ERR-8023, nothing created; an unconfigured provider is 404 ERR-8020', async () => {
      const jar = new Jar();
      const email = `down${n}@gh.example`;
      gh.current = account([{ email, primary: true, verified: true }]);
      const callback = await toCallback(jar, t.base, '/v1/auth/github');
      await gh.close();
      const res = await jar.request(callback);
      assert.equal(res.status, 502);
      assert.equal((await problemOf(res)).code, 'ERR-8023');
      const users = await t.services.storage.db.selectFrom('users').select('email').where('email', '=', email).execute();
      assert.equal(users.length, 0);
      const google = await fetch(`${t.base}/api/v1/auth/google`, { redirect: 'manual' });
      assert.equal(google.status, 404);
      assert.equal((await problemOf(google)).code, 'ERR-8020');
    });
  });
}
