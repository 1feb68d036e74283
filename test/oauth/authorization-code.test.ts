import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { authorizeInBrowser, Browser } from './browser.ts';
import { createClient, createResource, type ListeningApp, listeningApp } from './support.ts';

const CALLBACK = 'https://app.example.com/callback';
const insecure = { execute: [client.allowInsecureRequests] };

for (const backend of BACKENDS) {
  describe(`OAuth authorization code + PKCE through the pages, with openid-client (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let confidential: { client_id: string; client_secret?: string };
    let config: client.Configuration;

    before(async () => {
      t = await listeningApp(backend);
      owner = await registerOrg(t);
      confidential = await createClient(t, owner, {
        client_name: 'Reports <App>',
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      config = await client.discovery(
        new URL(t.base),
        confidential.client_id,
        undefined,
        client.ClientSecretBasic(String(confidential.client_secret)),
        insecure,
      );
    });
    after(() => t.close());

    async function start(params: Record<string, string> = {}, cfg = config) {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: CALLBACK,
        scope: 'openid profile email keys:read',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...params,
      });
      return { verifier, state, nonce, url };
    }

    test('sign in, consent, code → tokens; ID token, userinfo, the token passes Gatehouse routes; refresh; introspect; revoke', async () => {
      const { verifier, state, nonce, url } = await start();
      const callback = await authorizeInBrowser(t.base, url, { identifier: owner.email, password: owner.password });
      assert.equal(callback.searchParams.get('iss'), t.base);
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
      registerSecret(tokens.access_token);
      registerSecret(String(tokens.refresh_token));
      registerSecret(String(tokens.id_token));
      const claims = tokens.claims();
      assert.equal(claims?.sub, owner.userId);
      assert.equal(claims?.nonce, nonce);
      assert.equal(typeof claims?.auth_time, 'number');
      assert.equal(typeof claims?.at_hash, 'string');
      assert.equal(claims?.email, owner.email);
      const info = await client.fetchUserInfo(config, tokens.access_token, owner.userId);
      assert.equal(info.email, owner.email);
      // The token acts as the user: it passes protected routes within the consented scopes.
      const keys = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(tokens.access_token) });
      assert.equal(keys.statusCode, 200, keys.body);
      const check = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(tokens.access_token) });
      assert.equal(check.json().principal.user_id, owner.userId);
      assert.equal(check.json().principal.organization_id, owner.orgId);
      const wider = await t.app.inject({ method: 'GET', url: '/v1/oauth/clients', headers: bearer(tokens.access_token) });
      assert.equal(wider.statusCode, 403);
      const validate = await t.app.inject({ method: 'POST', url: '/v1/auth/validate', headers: bearer(tokens.access_token) });
      assert.equal(validate.json().claims.client_id, confidential.client_id);
      // Introspection.
      const active = await client.tokenIntrospection(config, tokens.access_token);
      assert.equal(active.active, true);
      assert.equal(active.sub, owner.userId);
      // Refresh: rotation, narrowing allowed, widening refused, reuse revokes the family.
      const refreshed = await client.refreshTokenGrant(config, String(tokens.refresh_token), { scope: 'openid keys:read' });
      registerSecret(refreshed.access_token);
      registerSecret(String(refreshed.refresh_token));
      assert.equal(refreshed.scope, 'openid keys:read');
      await assert.rejects(
        client.refreshTokenGrant(config, String(refreshed.refresh_token), { scope: 'openid keys:read keys:write' }),
        (err: client.ResponseBodyError) => err.error === 'invalid_scope',
      );
      await assert.rejects(
        client.refreshTokenGrant(config, String(tokens.refresh_token)),
        (err: client.ResponseBodyError) => err.error === 'invalid_grant',
      );
      // The reuse ended the grant: the newer refresh token and the access tokens stop too.
      await assert.rejects(
        client.refreshTokenGrant(config, String(refreshed.refresh_token)),
        (err: client.ResponseBodyError) => err.error === 'invalid_grant',
      );
      const revoked = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(refreshed.access_token) });
      assert.equal(revoked.statusCode, 401);
      assert.deepEqual(await client.tokenIntrospection(config, refreshed.access_token), { active: false });
    });

    test('consent is remembered per user, client and scope set; revocation ends the grant', async () => {
      const first = await start({ scope: 'openid' });
      const cb1 = await authorizeInBrowser(t.base, first.url, { identifier: owner.email, password: owner.password });
      const t1 = await client.authorizationCodeGrant(config, cb1, {
        pkceCodeVerifier: first.verifier,
        expectedState: first.state,
        expectedNonce: first.nonce,
      });
      registerSecret(t1.access_token);
      registerSecret(String(t1.refresh_token));
      // Same scope set: no consent page (sign-in only).
      const second = await start({ scope: 'openid' });
      const browser = new Browser(t.base);
      await browser.get(second.url.href);
      await browser.get('/oauth/interaction');
      const res = await browser.post('/oauth/interaction/login', {
        csrf: browser.field('csrf'),
        identifier: owner.email,
        password: owner.password,
      });
      const done = await browser.get(String(res.headers.get('location')));
      assert.equal(done.status, 303);
      assert.match(String(done.headers.get('location')), /^https:\/\/app\.example\.com\/callback\?code=/);
      // Revoking it: the grant's tokens stop.
      const list = await t.app.inject({ method: 'GET', url: '/v1/oauth/consents', headers: bearer(owner.access) });
      assert.equal(list.statusCode, 200, list.body);
      const consent = (list.json().data as { id: string; client_id: string; scope: string }[]).find((c) => c.scope === 'openid');
      assert.ok(consent);
      const del = await t.app.inject({ method: 'DELETE', url: `/v1/oauth/consents/${consent.id}`, headers: bearer(owner.access) });
      assert.equal(del.statusCode, 200, del.body);
      const after = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(t1.access_token) });
      assert.equal(after.statusCode, 401);
    });

    test('PKCE: missing or plain is refused at the authorization endpoint; a wrong verifier at the token endpoint', async () => {
      for (const params of [{ code_challenge: '', code_challenge_method: '' }, { code_challenge_method: 'plain' }]) {
        const { url, state } = await start();
        for (const [k, v] of Object.entries(params))
          if (v === '') url.searchParams.delete(k);
          else url.searchParams.set(k, v);
        const res = await fetch(url, { redirect: 'manual' });
        assert.equal(res.status, 303);
        const location = new URL(String(res.headers.get('location')));
        assert.equal(location.searchParams.get('error'), 'invalid_request');
        assert.equal(location.searchParams.get('state'), state);
        assert.equal(location.searchParams.get('iss'), t.base);
      }
      const { url, state, nonce } = await start();
      const callback = await authorizeInBrowser(t.base, url, { identifier: owner.email, password: owner.password });
      await assert.rejects(
        client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: client.randomPKCECodeVerifier(),
          expectedState: state,
          expectedNonce: nonce,
        }),
        (err: client.ResponseBodyError) => err.error === 'invalid_grant',
      );
    });

    test('a replayed code fails and revokes what the first redemption issued', async () => {
      const { url, state, nonce, verifier } = await start();
      const callback = await authorizeInBrowser(t.base, url, { identifier: owner.email, password: owner.password });
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
      registerSecret(tokens.access_token);
      registerSecret(String(tokens.refresh_token));
      await assert.rejects(
        client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
        (err: client.ResponseBodyError) => err.error === 'invalid_grant',
      );
      const check = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(tokens.access_token) });
      assert.equal(check.statusCode, 401);
      assert.equal(check.json().error, 'token_revoked');
    });

    test('redirect URI near-misses are shown on the page, never redirected', async () => {
      const loopback = await createClient(t, owner, { redirect_uris: ['http://127.0.0.1:5000/cb'], token_endpoint_auth_method: 'none' });
      const cases: [string, string][] = [
        [confidential.client_id, `${CALLBACK}/`],
        [confidential.client_id, CALLBACK.replace('callback', 'Callback')],
        [confidential.client_id, `${CALLBACK}?x=1`],
        [confidential.client_id, 'https://app.example.com:8443/callback'],
        [confidential.client_id, 'https://evil.example.com/callback'],
      ];
      for (const [id, redirect] of cases) {
        const res = await fetch(
          `${t.base}/oauth/authorize?${new URLSearchParams({ client_id: id, redirect_uri: redirect, response_type: 'code', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`,
          { redirect: 'manual' },
        );
        assert.equal(res.status, 400, redirect);
        assert.equal(res.headers.get('location'), null);
        assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
        assert.match(await res.text(), /not registered for this application/);
      }
      // A loopback redirect may use any port (RFC 8252); another path may not.
      const ok = await fetch(
        `${t.base}/oauth/authorize?${new URLSearchParams({ client_id: loopback.client_id, redirect_uri: 'http://127.0.0.1:61234/cb', response_type: 'code', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`,
        { redirect: 'manual' },
      );
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get('location'), '/oauth/interaction');
      const otherPath = await fetch(
        `${t.base}/oauth/authorize?${new URLSearchParams({ client_id: loopback.client_id, redirect_uri: 'http://127.0.0.1:61234/other', response_type: 'code', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`,
        { redirect: 'manual' },
      );
      assert.equal(otherPath.status, 400);
      const unknown = await fetch(`${t.base}/oauth/authorize?client_id=cli_nope&redirect_uri=${encodeURIComponent(CALLBACK)}`, {
        redirect: 'manual',
      });
      assert.equal(unknown.status, 400);
    });

    test('the pages: CSRF token required, wrong password shown on the page, deny returns access_denied', async () => {
      const { url } = await start();
      const browser = new Browser(t.base);
      await browser.get(url.href);
      await browser.get('/oauth/interaction');
      assert.equal(browser.status, 200);
      const csrf = browser.field('csrf');
      const forged = await browser.post('/oauth/interaction/login', { csrf: 'forged', identifier: owner.email, password: owner.password });
      assert.equal(forged.status, 403);
      const wrong = await browser.post('/oauth/interaction/login', { csrf, identifier: owner.email, password: 'wrong-password' });
      assert.equal(wrong.status, 401);
      assert.match(browser.html, /role="alert">Incorrect email, username or password/);
      const denied = await authorizeInBrowser(
        t.base,
        (await start({ scope: 'openid email' })).url,
        { identifier: owner.email, password: owner.password },
        { decision: 'deny' },
      );
      assert.equal(denied.searchParams.get('error'), 'access_denied');
      assert.equal(denied.searchParams.get('iss'), t.base);
    });

    test('public client with a resource: aud is the resource; a token for it is refused elsewhere', async () => {
      const mcp = 'https://mcp.example.com/mcp';
      await createResource(t, owner, mcp, ['tools:execute']);
      const pub = await createClient(t, owner, {
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
      });
      const cfg = await client.discovery(new URL(t.base), pub.client_id, undefined, client.None(), insecure);
      const { url, verifier, state, nonce } = await start({ scope: 'openid tools:execute', resource: mcp }, cfg);
      const callback = await authorizeInBrowser(t.base, url, { identifier: owner.email, password: owner.password });
      const tokens = await client.authorizationCodeGrant(cfg, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
      registerSecret(tokens.access_token);
      assert.equal(tokens.refresh_token, undefined);
      const at = await t.app.inject({
        method: 'POST',
        url: `/v1/auth/check?resource=${encodeURIComponent(mcp)}`,
        headers: bearer(tokens.access_token),
        payload: { required_scopes: ['tools:execute'] },
      });
      assert.equal(at.statusCode, 200, at.body);
      const own = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(tokens.access_token) });
      assert.equal(own.statusCode, 401);
      assert.equal(own.json().error, 'invalid_audience');
    });
  });
}
