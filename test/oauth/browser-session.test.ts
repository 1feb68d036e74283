import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import * as client from 'openid-client';
import { buildApp } from '../../src/http/app.ts';
import { setUserDisabled } from '../../src/identity/users.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices, type Services } from '../../src/services.ts';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, TEST_SECRETS } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { msUntil } from '../support/server-process.ts';
import { authorizeInBrowser, Browser } from './browser.ts';
import { createClient, type ListeningApp, listeningApp } from './support.ts';

const CALLBACK = 'https://app.example.com/callback';
const insecure = { execute: [client.allowInsecureRequests] };
const SESSION = 'gh_oauth_session';

for (const backend of BACKENDS) {
  describe(`OAuth browser session at the authorization server (${backend})`, () => {
    let t: ListeningApp;
    let config: client.Configuration;

    before(async () => {
      t = await listeningApp(backend);
      const owner = await registerOrg(t);
      const registered = await createClient(t, owner, {
        client_name: 'Web',
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      config = await client.discovery(
        new URL(t.base),
        registered.client_id,
        undefined,
        client.ClientSecretBasic(String(registered.client_secret)),
        insecure,
      );
    });
    after(() => t.close());

    /** A fresh user of a fresh organization (each test its own, so sessions and consents never leak between tests). */
    const user = () => registerOrg(t);

    async function start(params: Record<string, string> = {}) {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...params,
      });
      return { verifier, state, nonce, url };
    }

    /** Signs `u` in through the pages with `browser` and consents; answers the callback. */
    async function signInAndConsent(browser: Browser, u: Registered, params: Record<string, string> = {}) {
      const flow = await start(params);
      const callback = await authorizeInBrowser(t.base, flow.url, { identifier: u.email, password: u.password }, { browser });
      return { ...flow, callback };
    }

    /** GET /oauth/authorize and, when it goes to the pages, the page: 'login', 'consent', or the callback URL. */
    async function next(browser: Browser, url: URL): Promise<'login' | 'consent' | URL> {
      let res = await browser.get(url.href);
      assert.equal(res.status, 303, browser.html);
      const location = String(res.headers.get('location'));
      if (!location.startsWith('/oauth/interaction')) return new URL(location);
      res = await browser.get(location);
      if (res.status === 303) return new URL(String(res.headers.get('location')));
      assert.equal(res.status, 200, browser.html);
      if (browser.html.includes('action="/oauth/interaction/login"')) return 'login';
      assert.match(browser.html, /action="\/oauth\/interaction\/consent"/);
      return 'consent';
    }

    async function redeem(flow: { verifier: string; state: string; nonce: string }, callback: URL) {
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      registerSecret(tokens.access_token);
      if (tokens.refresh_token) registerSecret(tokens.refresh_token);
      if (tokens.id_token) registerSecret(tokens.id_token);
      return tokens;
    }

    test('a sign-in sets a session cookie (HttpOnly, SameSite=Lax, /oauth); the next authorization needs no password', async () => {
      const u = await user();
      const browser = new Browser(t.base);
      const first = await signInAndConsent(browser, u);
      assert.ok(browser.cookies.has(SESSION), 'the session cookie is kept');
      const firstTokens = await redeem(first, first.callback);
      const authTime = firstTokens.claims()?.auth_time;
      assert.equal(typeof authTime, 'number');

      t.clock.advance(5_000);
      const second = await start();
      const callback = await next(browser, second.url);
      assert.ok(callback instanceof URL, `expected the callback, got the ${String(callback)} page`);
      assert.equal(callback.origin + callback.pathname, CALLBACK);
      assert.equal(callback.searchParams.get('iss'), t.base);
      const tokens = await redeem(second, callback);
      // The ID token's auth_time is the password sign-in's, not this authorization's.
      assert.equal(tokens.claims()?.auth_time, authTime);
      assert.equal(tokens.claims()?.sub, u.userId);

      // Another browser (no cookie) still gets the sign-in page.
      assert.equal(await next(new Browser(t.base), (await start()).url), 'login');
    });

    test('the session cookie attributes', async () => {
      const u = await user();
      const browser = new Browser(t.base);
      const flow = await start();
      await browser.get(flow.url.href);
      await browser.get('/oauth/interaction');
      await browser.post('/oauth/interaction/login', { csrf: browser.field('csrf'), identifier: u.email, password: u.password });
      const line = browser.setCookies.find((c) => c.startsWith(`${SESSION}=`));
      assert.ok(line, browser.setCookies.join(' | '));
      assert.match(line, /; Path=\/oauth(;|$)/);
      assert.match(line, /; HttpOnly(;|$)/);
      assert.match(line, /; SameSite=Lax(;|$)/);
      assert.match(line, new RegExp(`; Max-Age=${t.config.refreshAbsoluteTtl}(;|$)`));
      // The cookie holds a random handle; only its keyed hash is stored.
      const value = browser.cookies.get(SESSION) ?? '';
      registerSecret(value);
      assert.match(value, /^[A-Za-z0-9_-]{43}$/);
      const stored = await t.services.storage.db.selectFrom('oauth_browser_sessions').select('id_hash').execute();
      assert.ok(stored.every((r) => r.id_hash !== value));
    });

    test('prompt=login forces the sign-in page; the new sign-in replaces the old session', async () => {
      const u = await user();
      const browser = new Browser(t.base);
      await signInAndConsent(browser, u);
      const old = browser.cookies.get(SESSION);
      const flow = await start({ prompt: 'login' });
      assert.equal(await next(browser, flow.url), 'login');
      const res = await browser.post('/oauth/interaction/login', {
        csrf: browser.field('csrf'),
        identifier: u.email,
        password: u.password,
      });
      assert.equal(res.status, 303);
      assert.notEqual(browser.cookies.get(SESSION), old);
      // The replaced cookie no longer signs anyone in.
      const stale = new Browser(t.base);
      stale.cookies.set(SESSION, String(old));
      assert.equal(await next(stale, (await start()).url), 'login');
    });

    test('prompt=none: silent with a session and remembered consent; login_required / consent_required otherwise', async () => {
      const u = await user();
      const browser = new Browser(t.base);
      // No session: login_required, at the redirect URI, with state and iss.
      const none = await start({ prompt: 'none' });
      const refused = await next(browser, none.url);
      assert.ok(refused instanceof URL);
      assert.equal(refused.searchParams.get('error'), 'login_required');
      assert.equal(refused.searchParams.get('state'), none.state);
      assert.equal(refused.searchParams.get('iss'), t.base);

      await signInAndConsent(browser, u);
      const silent = await start({ prompt: 'none' });
      const callback = await next(browser, silent.url);
      assert.ok(callback instanceof URL);
      assert.ok(callback.searchParams.get('code'), callback.href);
      const tokens = await redeem(silent, callback);
      assert.equal(tokens.claims()?.sub, u.userId);

      // A scope set the user never consented to: consent_required, no page.
      const more = await start({ prompt: 'none', scope: 'openid email profile' });
      const needsConsent = await next(browser, more.url);
      assert.ok(needsConsent instanceof URL);
      assert.equal(needsConsent.searchParams.get('error'), 'consent_required');

      // prompt=none with another value is a malformed request.
      const mixed = await next(browser, (await start({ prompt: 'none login' })).url);
      assert.ok(mixed instanceof URL);
      assert.equal(mixed.searchParams.get('error'), 'invalid_request');
    });

    test('max_age: an older sign-in is repeated (page) or refused (prompt=none); the fresh one sets auth_time', async () => {
      const u = await user();
      const browser = new Browser(t.base);
      await signInAndConsent(browser, u);
      const signedInAt = t.clock.now();
      t.clock.advance(120_000);
      const within = await next(browser, (await start({ max_age: '600' })).url);
      assert.ok(within instanceof URL && within.searchParams.get('code'));
      assert.equal(await next(browser, (await start({ max_age: '60' })).url), 'login');
      const silent = await next(browser, (await start({ max_age: '60', prompt: 'none' })).url);
      assert.ok(silent instanceof URL);
      assert.equal(silent.searchParams.get('error'), 'login_required');
      const bad = await next(browser, (await start({ max_age: '-1' })).url);
      assert.ok(bad instanceof URL);
      assert.equal(bad.searchParams.get('error'), 'invalid_request');

      // Signing in again (max_age=60) moves auth_time to now; the code carries it.
      const again = await start({ max_age: '60' });
      assert.equal(await next(browser, again.url), 'login');
      let res = await browser.post('/oauth/interaction/login', { csrf: browser.field('csrf'), identifier: u.email, password: u.password });
      res = await browser.get(String(res.headers.get('location')));
      assert.equal(res.status, 303, browser.html);
      const code = new URL(String(res.headers.get('location'))).searchParams.get('code') ?? '';
      registerSecret(code);
      const { keyedHash } = await import('../../src/lib/secure.ts');
      const row = await t.services.storage.db
        .selectFrom('oauth_codes')
        .select('auth_time')
        .where('code_hash', '=', keyedHash(t.services.secrets.pepper, code))
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.auth_time), t.clock.now());
      assert.ok(Number(row.auth_time) > signedInAt);
    });

    test('the session ends with its Gatehouse session: revoked, a password change, the user disabled', async () => {
      // Revoked (as an admin or "sign out everywhere" would).
      const a = await user();
      const browserA = new Browser(t.base);
      await signInAndConsent(browserA, a);
      const row = await t.services.storage.db
        .selectFrom('oauth_browser_sessions')
        .select('session_id')
        .where('user_id', '=', a.userId)
        .executeTakeFirstOrThrow();
      await t.services.sessions.revoke(row.session_id, 'admin');
      assert.equal(await next(browserA, (await start()).url), 'login');

      // A password change ends every other session of the user, this one included.
      const b = await user();
      const browserB = new Browser(t.base);
      await signInAndConsent(browserB, b);
      const changed = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/password',
        headers: bearer(b.access),
        payload: { current_password: b.password, new_password: `${b.password}-and-a-new-one` },
      });
      assert.ok(changed.statusCode < 300, changed.body);
      assert.equal(await next(browserB, (await start()).url), 'login');

      // The user disabled: refused even before the sessions are revoked.
      const c = await user();
      const browserC = new Browser(t.base);
      await signInAndConsent(browserC, c);
      await setUserDisabled(t.services.storage.db, c.userId, true, t.clock.now());
      const silent = await next(browserC, (await start({ prompt: 'none' })).url);
      assert.ok(silent instanceof URL);
      assert.equal(silent.searchParams.get('error'), 'login_required');
    });

    test('POST /oauth/logout ends the session and its Gatehouse session; without a cookie it changes nothing', async () => {
      const u = await user();
      const browser = new Browser(t.base);
      await signInAndConsent(browser, u);
      const { session_id } = await t.services.storage.db
        .selectFrom('oauth_browser_sessions')
        .select('session_id')
        .where('user_id', '=', u.userId)
        .executeTakeFirstOrThrow();

      // No cookie, or a made-up one: the signed-out page, nothing ends.
      const anonymous = new Browser(t.base);
      assert.equal((await anonymous.post('/oauth/logout', {})).status, 200);
      anonymous.cookies.set(SESSION, 'A'.repeat(43));
      assert.equal((await anonymous.post('/oauth/logout', {})).status, 200);
      assert.equal(await t.services.sessions.isRevoked(session_id), false);

      const res = await browser.post('/oauth/logout', {});
      assert.equal(res.status, 200);
      assert.match(String(res.headers.get('content-security-policy')), /frame-ancestors 'none'/);
      assert.equal(browser.cookies.has(SESSION), false, 'the cookie is cleared');
      assert.equal(await t.services.sessions.isRevoked(session_id), true);
      const gone = await t.services.storage.db
        .selectFrom('oauth_browser_sessions')
        .select('id_hash')
        .where('user_id', '=', u.userId)
        .execute();
      assert.equal(gone.length, 0);
      assert.equal(await next(browser, (await start()).url), 'login');
    });

    test('another node honours the session, and stops within a second once its Gatehouse session is revoked on this one', async () => {
      const storage = { ...t.services.storage, close: async () => {} };
      const services: Services = await createServices(t.config, {
        clock: t.clock,
        log: createLogger('silent'),
        storage,
        secrets: TEST_SECRETS,
        migrate: false,
        audit: false,
      });
      const b: FastifyInstance = await buildApp(services);
      try {
        const u = await user();
        const browser = new Browser(t.base);
        await signInAndConsent(browser, u);
        const cookie = `${SESSION}=${browser.cookies.get(SESSION)}`;
        /** prompt=none on node B with this browser's cookie: the error, or 'code'. */
        const silentOnB = async () => {
          const { url } = await start({ prompt: 'none' });
          const res = await b.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: { cookie } });
          assert.equal(res.statusCode, 303, res.body);
          const location = new URL(String(res.headers.location));
          return location.searchParams.get('error') ?? (location.searchParams.get('code') ? 'code' : 'nothing');
        };
        assert.equal(await silentOnB(), 'code');
        assert.equal(await silentOnB(), 'code');
        // Node B has cached that the Gatehouse session is live; it is revoked on this node (the row stays):
        // only the invalidation (change feed) can tell B.
        const { session_id } = await t.services.storage.db
          .selectFrom('oauth_browser_sessions')
          .select('session_id')
          .where('user_id', '=', u.userId)
          .executeTakeFirstOrThrow();
        await t.services.sessions.revoke(session_id, 'admin');
        const ms = await msUntil(async () => (await silentOnB()) === 'login_required');
        assert.ok(ms < 1000, `node B still honoured the session after ${Math.round(ms)} ms`);
      } finally {
        await b.close();
        await services.close();
      }
    });
  });
}

describe('OAuth browser session cookie on an https issuer', () => {
  test('is Secure', async () => {
    const t = await createTestApp('sqlite', { publicUrl: 'https://id.example.com' });
    try {
      const owner = await registerOrg(t);
      const { client_id } = await createClient(t, owner, {
        client_name: 'Web',
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'none',
      });
      const query = new URLSearchParams({
        response_type: 'code',
        client_id,
        redirect_uri: CALLBACK,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      const authz = await t.app.inject({ method: 'GET', url: `/oauth/authorize?${query}` });
      assert.equal(authz.statusCode, 303, authz.body);
      const interaction = String(authz.headers['set-cookie']).split(';')[0] ?? '';
      const page = await t.app.inject({ method: 'GET', url: '/oauth/interaction', headers: { cookie: interaction } });
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const login = await t.app.inject({
        method: 'POST',
        url: '/oauth/interaction/login',
        headers: { cookie: interaction, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf, identifier: owner.email, password: owner.password }).toString(),
      });
      assert.equal(login.statusCode, 303, login.body);
      const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
      const session = cookies.find((c) => c.startsWith(`${SESSION}=`));
      assert.ok(session, cookies.join(' | '));
      registerSecret(session.split(';')[0]?.slice(SESSION.length + 1) ?? '');
      assert.match(session, /; Secure$/);
      assert.match(session, /; HttpOnly;/);
    } finally {
      await t.close();
    }
  });
});
