import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { authorizeInBrowser, Browser } from './browser.ts';
import { createClient, type ListeningApp, listeningApp } from './support.ts';

const CALLBACK = 'https://app.example.com/cb';

for (const backend of BACKENDS) {
  describe(`OAuth grants end with the user; the sign-in page is brute-force guarded (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let config: client.Configuration;

    before(async () => {
      t = await listeningApp(backend, { bruteForceThreshold: 3 });
      owner = await registerOrg(t);
      const c = await createClient(t, owner, {
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
      });
      config = await client.discovery(new URL(t.base), c.client_id, undefined, client.None(), { execute: [client.allowInsecureRequests] });
    });
    after(() => t.close());

    async function url(verifier: string): Promise<URL> {
      return client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid keys:read',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
    }

    test("logging out everywhere (the user's sessions) ends the OAuth grant: access and refresh tokens stop", async () => {
      const verifier = client.randomPKCECodeVerifier();
      const callback = await authorizeInBrowser(t.base, await url(verifier), { identifier: owner.email, password: owner.password });
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
      registerSecret(tokens.access_token);
      registerSecret(String(tokens.refresh_token));
      assert.equal((await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(tokens.access_token) })).statusCode, 200);
      assert.equal((await t.services.sessions.revokeAllForUser(owner.userId, 'password_changed')) > 0, true);
      const check = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(tokens.access_token) });
      assert.equal(check.statusCode, 401);
      assert.equal(check.json().error, 'token_revoked');
      await assert.rejects(
        client.refreshTokenGrant(config, String(tokens.refresh_token)),
        (err: client.ResponseBodyError) => err.error === 'invalid_grant',
      );
    });

    test('failed sign-ins lock the account: the page answers 429 with Retry-After, the right password too', async () => {
      const browser = new Browser(t.base);
      await browser.get((await url(client.randomPKCECodeVerifier())).href);
      await browser.get('/oauth/interaction');
      const csrf = browser.field('csrf');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await browser.post('/oauth/interaction/login', { csrf, identifier: owner.email, password: 'not-the-password' })).status,
        );
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      const locked = await browser.post('/oauth/interaction/login', { csrf, identifier: owner.email, password: owner.password });
      assert.equal(locked.status, 429);
      assert.ok(Number(locked.headers.get('retry-after')) >= 1);
      assert.match(browser.html, /Too many attempts/);
    });
  });
}
