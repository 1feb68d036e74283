/**
 * Sign in with any OpenID Connect provider: a real `oidc-provider` on loopback (discovery,
 * authorization code with state, nonce and PKCE S256, `iss` in the response, ID token signed
 * with its JWKS), driven through the API flow and through the OAuth sign-in page (the browser
 * ends back in the authorization it started, and the client gets its code). A hand-written
 * provider then forges ID tokens one claim at a time; an unreachable provider is a clear 502.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { createClient, freePort, type ListeningApp, listeningApp } from '../oauth/support.ts';
import { CLIENT_SECRET, forgingProvider, oidcProvider, openServer, type Spoil, type Upstream } from './providers.ts';
import { apiSignIn, auditEvents, isCallback, Jar, problemOf, toCallback } from './support.ts';

const APP_CALLBACK = 'https://app.example.com/callback';

describe('sign in with an OpenID Connect provider (oidc-provider on loopback)', () => {
  let idp: Upstream;
  let forger: Awaited<ReturnType<typeof forgingProvider>>;
  let downPort = 0;
  let t: ListeningApp;

  before(async () => {
    const opened = await openServer();
    forger = await forgingProvider();
    downPort = await freePort();
    t = await listeningApp('sqlite', {
      socialProviders: [
        { id: 'corp', name: 'Corp SSO', issuer: opened.base, clientId: 'gatehouse', clientSecret: CLIENT_SECRET },
        { id: 'forged', issuer: forger.base, clientId: 'gatehouse', clientSecret: CLIENT_SECRET },
        { id: 'down', issuer: `http://127.0.0.1:${downPort}`, clientId: 'gatehouse', clientSecret: CLIENT_SECRET },
      ],
      jwksTimeout: 1,
    });
    idp = oidcProvider(opened, [`${t.base}/v1/auth/corp/callback`]);
  });
  after(async () => {
    await t.close();
    await idp.close();
    await forger.close();
  });

  const me = async (access: string) => (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(access) })).json();

  test('API flow: discovery, state + nonce + PKCE S256 to the provider; the callback (with iss) answers Gatehouse tokens', async () => {
    idp.current = { sub: 'alice-1', email: 'alice@corp.example', email_verified: true, name: 'Alice Corp' };
    const jar = new Jar();
    const first = await jar.request(`${t.base}/v1/auth/corp`);
    assert.equal(first.status, 302);
    const to = new URL(String(first.headers.get('location')));
    assert.equal(to.origin, idp.base);
    for (const p of ['state', 'nonce', 'code_challenge']) assert.match(to.searchParams.get(p) ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(to.searchParams.get('scope'), 'openid email profile');
    const callback = await jar.follow(to, isCallback(t.base));
    assert.ok(callback instanceof URL, jar.html);
    assert.equal(callback.searchParams.get('iss'), idp.base, 'the provider sends RFC 9207 iss');
    const res = await jar.request(callback);
    assert.equal(res.status, 200, jar.html);
    const tokens = (await res.json()) as { access_token: string; token_type: string; refresh_token: string };
    assert.equal(tokens.token_type, 'Bearer');
    const who = await me(tokens.access_token);
    assert.equal(who.user.email, 'alice@corp.example');
    assert.equal(who.user.name, 'Alice Corp');
    const again = await apiSignIn(t, '/v1/auth/corp');
    assert.equal((await me(again.access_token)).user.id, who.user.id);
  });

  test("an RFC 9207 iss that is not the provider's is refused (mix-up), and so is a missing one from a provider that sends it", async () => {
    idp.current = { sub: 'alice-2', email: 'alice2@corp.example', email_verified: true, name: 'A2' };
    for (const iss of ['https://attacker.example', null]) {
      const jar = new Jar();
      const callback = await toCallback(jar, t.base, '/v1/auth/corp');
      if (iss === null) callback.searchParams.delete('iss');
      else callback.searchParams.set('iss', iss);
      const res = await jar.request(callback);
      const p = await problemOf(res);
      assert.equal(p.code, 'ERR-8024', `${iss}: ${p.detail}`);
      assert.equal(p.status, 400);
    }
  });

  test('an address the provider does not mark verified neither signs in nor creates a user', async () => {
    idp.current = { sub: 'eve', email: 'eve@corp.example', email_verified: false, name: 'Eve' };
    const jar = new Jar();
    const res = await jar.request(await toCallback(jar, t.base, '/v1/auth/corp'));
    assert.deepEqual(await problemOf(res), { status: 403, code: 'ERR-8025', detail: 'Email address not verified' });
    const rows = await t.services.storage.db.selectFrom('users').select('id').where('email', '=', 'eve@corp.example').execute();
    assert.equal(rows.length, 0);
  });

  test('browser flow: the sign-in page shows a button per provider; the provider sign-in resumes the authorization; the client gets its code', async () => {
    const owner: Registered = await registerOrg(t);
    const app = await createClient(t, owner, {
      client_name: 'Reports',
      redirect_uris: [APP_CALLBACK],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const config = await client.discovery(new URL(t.base), app.client_id, undefined, client.ClientSecretBasic(String(app.client_secret)), {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: APP_CALLBACK,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'app-state',
    });
    idp.current = { sub: 'bob', email: 'bob@corp.example', email_verified: true, name: 'Bob' };
    const jar = new Jar();
    const page = await jar.follow(url, () => false);
    assert.ok(page instanceof Response);
    assert.equal(page.status, 200);
    assert.match(jar.html, /<form method="post" action="\/oauth\/interaction\/social">/);
    assert.match(jar.html, /<button type="submit" name="provider" value="corp">Continue with Corp SSO<\/button>/);
    assert.match(jar.html, /value="forged">Continue with forged</);
    const csrf = /name="csrf" value="([^"]+)"/.exec(jar.html)?.[1] ?? '';
    // A forged form (no CSRF token) starts nothing.
    const forged = await jar.request(`${t.base}/oauth/interaction/social`, { form: { provider: 'corp', csrf: 'x' } });
    assert.equal(forged.status, 403);
    const consent = await jar.follow(
      `${t.base}/oauth/interaction/social`,
      (u) => u.origin === t.base && u.pathname === '/oauth/interaction',
      {
        form: { provider: 'corp', csrf },
      },
    );
    assert.ok(consent instanceof URL, jar.html);
    const consentPage = await jar.request(consent);
    assert.equal(consentPage.status, 200, jar.html);
    assert.match(jar.html, /Reports wants to access your account/);
    const organization = /name="organization" value="([^"]+)"/.exec(jar.html)?.[1] ?? '';
    const csrf2 = /name="csrf" value="([^"]+)"/.exec(jar.html)?.[1] ?? '';
    const done = await jar.request(`${t.base}/oauth/interaction/consent`, { form: { csrf: csrf2, organization, decision: 'allow' } });
    assert.equal(done.status, 303);
    const back = new URL(String(done.headers.get('location')));
    assert.equal(`${back.origin}${back.pathname}`, APP_CALLBACK);
    assert.equal(back.searchParams.get('state'), 'app-state');
    const tokens = await client.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: 'app-state' });
    assert.equal(tokens.claims()?.email, 'bob@corp.example');
    const events = await auditEvents(t, 'auth.social.succeeded');
    assert.ok(events.some((e) => String(e.details).includes('oauth_authorize')));
  });

  test('browser flow failures are pages with the stable code: a provider down, an unverified address', async () => {
    const owner: Registered = await registerOrg(t);
    const app = await createClient(t, owner, { client_name: 'Pages', redirect_uris: [APP_CALLBACK], token_endpoint_auth_method: 'none' });
    const authorize = new URL('/oauth/authorize', t.base);
    authorize.search = new URLSearchParams({
      client_id: app.client_id,
      redirect_uri: APP_CALLBACK,
      response_type: 'code',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGcSjtz3bI',
      code_challenge_method: 'S256',
    }).toString();
    const jar = new Jar();
    assert.ok((await jar.follow(authorize, () => false)) instanceof Response);
    const csrf = /name="csrf" value="([^"]+)"/.exec(jar.html)?.[1] ?? '';
    const down = await jar.request(`${t.base}/oauth/interaction/social`, { form: { provider: 'down', csrf } });
    assert.equal(down.status, 502);
    assert.match(String(down.headers.get('content-type')), /^text\/html/);
    assert.match(jar.html, /Sign-in provider unavailable/);
    assert.match(jar.html, /ERR-8023/);
    idp.current = { sub: 'unverified-page', email: 'unverified-page@corp.example', email_verified: false, name: 'U' };
    const callback = await jar.follow(`${t.base}/oauth/interaction/social`, isCallback(t.base), { form: { provider: 'corp', csrf } });
    assert.ok(callback instanceof URL, jar.html);
    const refused = await jar.request(callback);
    assert.equal(refused.status, 403);
    assert.match(String(refused.headers.get('content-type')), /^text\/html/);
    assert.match(jar.html, /Email address not verified/);
    assert.match(jar.html, /ERR-8025/);
  });

  for (const spoil of ['issuer', 'audience', 'nonce', 'signature'] as Spoil[]) {
    test(`an ID token with the wrong ${spoil} is refused (ERR-8024) and nobody signs in`, async () => {
      forger.spoil = spoil;
      forger.current = { sub: `m-${spoil}`, email: `m-${spoil}@corp.example`, email_verified: true, name: 'M' };
      const jar = new Jar();
      const res = await jar.request(await toCallback(jar, t.base, '/v1/auth/forged'));
      const p = await problemOf(res);
      assert.equal(p.code, 'ERR-8024', p.detail);
      const rows = await t.services.storage.db.selectFrom('users').select('id').where('email', '=', forger.current.email).execute();
      assert.equal(rows.length, 0);
    });
  }

  test('the hand-written provider with nothing spoiled signs in (the failures above are the spoiling alone)', async () => {
    forger.spoil = 'none';
    forger.current = { sub: 'honest', email: 'honest@corp.example', email_verified: true, name: 'Honest' };
    const tokens = await apiSignIn(t, '/v1/auth/forged');
    assert.equal((await me(tokens.access_token)).user.email, 'honest@corp.example');
  });

  test('a provider that cannot be reached: 502 ERR-8023 at the entry point, on the API and on the sign-in page', async () => {
    const res = await fetch(`${t.base}/v1/auth/down`, { redirect: 'manual' });
    const p = await problemOf(res);
    assert.equal(p.status, 502);
    assert.equal(p.code, 'ERR-8023');
    assert.equal(p.detail, 'down could not be reached');
    // The operator's log says why, without the request's query.
    const line = t.logs.find((l) => l.code === 'ERR-8023');
    assert.ok(line, 'the 502 is logged');
    assert.match(JSON.stringify(line), /fetch failed|ECONNREFUSED/);
  });
});
