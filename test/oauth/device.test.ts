import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { Browser } from './browser.ts';
import { createClient, createResource, discover, errorOf, insecure, type ListeningApp, listeningApp } from './support.ts';

const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
const API = 'https://reports.example.com/api';

/** The RFC 6749 `error` of a failed device-code poll, as oauth4webapi reports it. */
async function pollError(as: oauth.AuthorizationServer, client: oauth.Client, res: Response): Promise<string> {
  try {
    await oauth.processDeviceCodeResponse(as, client, res);
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) return err.error;
    throw err;
  }
  assert.fail('the poll succeeded');
}

for (const backend of BACKENDS) {
  describe(`RFC 8628 device authorization grant, with oauth4webapi and the /device pages (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let as: oauth.AuthorizationServer;
    let cli: oauth.Client;
    const none = oauth.None();

    before(async () => {
      t = await listeningApp(backend, { bruteForceIpThreshold: 5 });
      owner = await registerOrg(t);
      as = await discover(t.base);
      await createResource(t, owner, API, ['reports:read', 'reports:write']);
      const created = await createClient(t, owner, {
        client_name: 'Gatehouse CLI',
        grant_types: [DEVICE, 'refresh_token'],
        token_endpoint_auth_method: 'none',
        scope: 'reports:read reports:write keys:read',
      });
      cli = { client_id: created.client_id };
    });
    after(() => t.close());

    async function start(c: oauth.Client = cli, params: Record<string, string> = { scope: 'reports:read' }) {
      const res = await oauth.deviceAuthorizationRequest(as, c, none, params, insecure);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = await oauth.processDeviceAuthorizationResponse(as, c, res);
      registerSecret(body.device_code);
      return body;
    }
    const poll = (code: string, c: oauth.Client = cli) => oauth.deviceCodeGrantRequest(as, c, none, code, insecure);

    /** A person enters the code (or follows verification_uri_complete), signs in and decides, as a browser posts it. */
    async function approveInBrowser(url: string, decision: 'allow' | 'deny', typed?: string): Promise<Browser> {
      const browser = new Browser(t.base);
      let res = await browser.get(url);
      assert.equal(res.status, 200, browser.html);
      assert.match(String(res.headers.get('content-security-policy')), /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      res = await browser.post('/device', { csrf: browser.field('csrf'), user_code: typed ?? browser.field('user_code') });
      assert.equal(res.status, 303, browser.html);
      assert.equal(res.headers.get('location'), '/device/confirm');
      res = await browser.get('/device/confirm');
      assert.match(browser.html, /action="\/device\/login"/);
      res = await browser.post('/device/login', { csrf: browser.field('csrf'), identifier: owner.email, password: owner.password });
      assert.equal(res.status, 303, browser.html);
      res = await browser.get('/device/confirm');
      assert.equal(res.status, 200, browser.html);
      assert.match(browser.html, /Gatehouse CLI wants to access your account/);
      assert.match(browser.html, /Read reports/);
      res = await browser.post('/device/consent', { csrf: browser.field('csrf'), organization: browser.field('organization'), decision });
      assert.equal(res.status, 303, browser.html);
      assert.equal(res.headers.get('location'), `/device/done?result=${decision === 'allow' ? 'approved' : 'denied'}`);
      return browser;
    }

    test('discovery advertises the device authorization endpoint and grant', () => {
      assert.equal(as.device_authorization_endpoint, `${t.base}/oauth/device_authorization`);
      assert.ok(as.grant_types_supported?.includes(DEVICE));
    });

    test('code → pending → slow_down (interval grows by 5 s) → approval in the browser → tokens, once; a replay revokes them', async () => {
      const started = await start(cli, { scope: 'reports:read', resource: API });
      assert.match(started.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      assert.equal(started.verification_uri, `${t.base}/device`);
      assert.equal(started.verification_uri_complete, `${t.base}/device?user_code=${started.user_code}`);
      assert.equal(started.interval, 5);
      assert.equal(started.expires_in, 600);
      assert.equal(await pollError(as, cli, await poll(started.device_code)), 'authorization_pending');
      const stored = JSON.stringify(await t.services.storage.db.selectFrom('oauth_device_codes').selectAll().execute());
      assert.ok(!stored.includes(started.device_code) && !stored.includes(started.user_code.replace('-', '')), 'codes are stored hashed');
      t.clock.advance(1000);
      const fast = await poll(started.device_code);
      assert.equal(fast.status, 400);
      assert.equal(await pollError(as, cli, fast), 'slow_down');
      t.clock.advance(6000); // past the first 5 s, within the grown 10 s
      assert.equal(await pollError(as, cli, await poll(started.device_code)), 'slow_down');
      t.clock.advance(16_000);
      assert.equal(await pollError(as, cli, await poll(started.device_code)), 'authorization_pending');

      await approveInBrowser(String(started.verification_uri_complete), 'allow');
      t.clock.advance(16_000);
      const tokens = await oauth.processDeviceCodeResponse(as, cli, await poll(started.device_code));
      registerSecret(tokens.access_token);
      if (tokens.refresh_token) registerSecret(tokens.refresh_token);
      assert.equal(tokens.scope, 'reports:read');
      assert.match(String(tokens.refresh_token), /^ghor_/);
      const check = await t.app.inject({
        method: 'POST',
        url: `/v1/auth/check?resource=${encodeURIComponent(API)}`,
        headers: bearer(tokens.access_token),
        payload: { required_scopes: ['reports:read'] },
      });
      assert.equal(check.statusCode, 200, check.body);
      assert.equal(check.json().principal.user_id, owner.userId);

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        cli,
        await oauth.refreshTokenGrantRequest(as, cli, none, String(tokens.refresh_token), insecure),
      );
      registerSecret(refreshed.access_token);
      if (refreshed.refresh_token) registerSecret(refreshed.refresh_token);
      assert.equal(refreshed.scope, 'reports:read');

      t.clock.advance(16_000);
      const replay = await poll(started.device_code);
      assert.equal(await pollError(as, cli, replay), 'invalid_grant');
      const after = await t.app.inject({
        method: 'POST',
        url: `/v1/auth/check?resource=${encodeURIComponent(API)}`,
        headers: bearer(tokens.access_token),
      });
      assert.equal(after.statusCode, 401, 'a replayed device code revokes what it issued');
      await t.services.audit.flush();
      const audit = await t.app.inject({
        method: 'GET',
        url: '/v1/audit-events?action=oauth.device.approved',
        headers: bearer(owner.access),
      });
      assert.equal(audit.statusCode, 200, audit.body);
      const event = (audit.json() as { data: { actor: { id: string }; target: { id: string } }[] }).data[0];
      assert.equal(event?.actor.id, owner.userId);
      assert.equal(event?.target.id, cli.client_id);
    });

    test('denied in the browser → access_denied; the typed code works in any case and without the dash', async () => {
      const started = await start();
      await approveInBrowser(`${t.base}/device`, 'deny', started.user_code.replace('-', ' ').toLowerCase());
      t.clock.advance(6000);
      assert.equal(await pollError(as, cli, await poll(started.device_code)), 'access_denied');
    });

    test('expired code → expired_token at the token endpoint and refused on the page', async () => {
      const started = await start();
      t.clock.advance(601_000);
      assert.equal(await pollError(as, cli, await poll(started.device_code)), 'expired_token');
      const browser = new Browser(t.base);
      await browser.get(String(started.verification_uri_complete));
      const res = await browser.post('/device', { csrf: browser.field('csrf'), user_code: started.user_code });
      assert.equal(res.status, 400);
      assert.match(browser.html, /not valid or has expired/);
    });

    test("another client's device code is invalid_grant and stays usable by its owner", async () => {
      const other = await createClient(t, owner, { client_name: 'Other', grant_types: [DEVICE], token_endpoint_auth_method: 'none' });
      const started = await start();
      assert.equal(
        await pollError(as, { client_id: other.client_id }, await poll(started.device_code, { client_id: other.client_id })),
        'invalid_grant',
      );
      assert.equal(await pollError(as, cli, await poll(started.device_code)), 'authorization_pending');
      assert.equal(await pollError(as, cli, await poll('not-a-device-code')), 'invalid_grant');
    });

    test('device authorization endpoint: client authentication, grant allowed, scope within the client, resource known', async () => {
      const conf = await createClient(t, owner, {
        client_name: 'TV',
        grant_types: [DEVICE],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'reports:read',
      });
      const tv: oauth.Client = { client_id: conf.client_id };
      const ok = await oauth.deviceAuthorizationRequest(as, tv, oauth.ClientSecretBasic(String(conf.client_secret)), {}, insecure);
      registerSecret((await oauth.processDeviceAuthorizationResponse(as, tv, ok)).device_code);
      const noCreds = await oauth.deviceAuthorizationRequest(as, tv, none, {}, insecure);
      assert.equal(noCreds.status, 401);
      assert.equal(await errorOf(noCreds), 'invalid_client');
      const badCreds = await oauth.deviceAuthorizationRequest(as, tv, oauth.ClientSecretBasic('ghcs_wrong'), {}, insecure);
      assert.equal(badCreds.status, 401);
      // Another organization's client secret does not authenticate this client.
      const stranger = await registerOrg(t);
      const theirs = await createClient(t, stranger, {
        client_name: 'Theirs',
        grant_types: [DEVICE],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const crossed = await oauth.deviceAuthorizationRequest(as, tv, oauth.ClientSecretBasic(String(theirs.client_secret)), {}, insecure);
      assert.equal(crossed.status, 401);
      const wide = await oauth.deviceAuthorizationRequest(
        as,
        tv,
        oauth.ClientSecretBasic(String(conf.client_secret)),
        { scope: 'reports:write' },
        insecure,
      );
      assert.equal(await errorOf(wide), 'invalid_scope');
      const unknown = await oauth.deviceAuthorizationRequest(as, cli, none, { resource: 'https://nowhere.example/' }, insecure);
      assert.equal(await errorOf(unknown), 'invalid_target');
      const web = await createClient(t, owner, {
        client_name: 'Web',
        redirect_uris: ['https://app.example.com/cb'],
        token_endpoint_auth_method: 'none',
      });
      const notAllowed = await oauth.deviceAuthorizationRequest(as, { client_id: web.client_id }, none, {}, insecure);
      assert.equal(await errorOf(notAllowed), 'unauthorized_client');
    });

    test('the pages refuse a form without its CSRF token, and guessing user codes is rate-limited (429, Retry-After)', async () => {
      const started = await start();
      const browser = new Browser(t.base);
      await browser.get('/device');
      const csrf = browser.field('csrf');
      const forged = await browser.post('/device', { csrf: 'forged', user_code: started.user_code });
      assert.equal(forged.status, 403);
      const stranger = new Browser(t.base);
      assert.equal((await stranger.post('/device', { user_code: started.user_code })).status, 403);
      let last = 0;
      for (let i = 0; i < 7 && last !== 429; i++) {
        last = (await browser.post('/device', { csrf, user_code: 'BBBB-BBBB' })).status;
      }
      assert.equal(last, 429);
      const locked = await browser.post('/device', { csrf, user_code: started.user_code });
      assert.equal(locked.status, 429, 'even the right code waits out the lockout');
      assert.ok(Number(locked.headers.get('retry-after')) >= 1);
      const confirm = await new Browser(t.base).get('/device/confirm');
      assert.equal(confirm.status, 400, 'no verification without a code entered in this browser');
    });
  });
}
