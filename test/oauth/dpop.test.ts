import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { authorizeInBrowser } from './browser.ts';
import { ath, claimsOf, proofKey } from './sender-support.ts';
import { createClient, discover, errorOf, insecure, type ListeningApp, listeningApp } from './support.ts';

const CALLBACK = 'http://127.0.0.1:9/callback';

for (const backend of BACKENDS) {
  describe(`DPoP (RFC 9449) at the token endpoint and on protected requests (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let as: oauth.AuthorizationServer;
    let worker: { client_id: string; client_secret?: string };

    before(async () => {
      t = await listeningApp(backend);
      owner = await registerOrg(t);
      as = await discover(t.base);
      worker = await createClient(t, owner, {
        client_name: 'dpop worker',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'reports:read',
      });
    });
    after(() => t.close());

    /** A DPoP-bound client_credentials token through oauth4webapi. */
    async function boundToken(
      keyPair: Awaited<ReturnType<typeof oauth.generateKeyPair>>,
    ): Promise<{ token: string; DPoP: oauth.DPoPHandle }> {
      const client = { client_id: worker.client_id };
      const DPoP = oauth.DPoP({ [oauth.clockSkew]: 0 }, keyPair);
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(String(worker.client_secret)),
        { scope: 'reports:read' },
        { ...insecure, DPoP },
      );
      const body = await oauth.processClientCredentialsResponse(as, client, res);
      registerSecret(body.access_token);
      assert.equal(body.token_type, 'dpop');
      return { token: body.access_token, DPoP };
    }

    test('discovery advertises the DPoP algorithms', () => {
      assert.deepEqual(as.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'RS256', 'PS256']);
    });

    test('oauth4webapi: token_type DPoP, cnf.jkt is the key thumbprint, and the token works with a proof on /v1/auth/check', async () => {
      const keyPair = await oauth.generateKeyPair('ES256');
      const { token, DPoP } = await boundToken(keyPair);
      const claims = claimsOf(token);
      assert.deepEqual(claims.cnf, { jkt: await DPoP.calculateThumbprint() });
      const res = await oauth.protectedResourceRequest(
        token,
        'POST',
        new URL(`${t.base}/v1/auth/check`),
        new Headers({ 'content-type': 'application/json' }),
        '{}',
        { ...insecure, DPoP },
      );
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(((await res.json()) as { principal: { subject: string } }).principal.subject, worker.client_id);
      // And on a plain protected route, with a fresh proof for its method and URL.
      const me = await oauth.protectedResourceRequest(token, 'GET', new URL(`${t.base}/v1/auth/me`), new Headers(), null, {
        ...insecure,
        DPoP,
      });
      assert.notEqual(me.status, 401, await me.clone().text());
      // Introspection tells a resource server the binding (RFC 9449 §6.2).
      const info = await fetch(`${t.base}/oauth/introspect`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }).toString(),
      });
      const introspected = (await info.json()) as { active: boolean; token_type: string; cnf: unknown };
      assert.equal(introspected.active, true);
      assert.equal(introspected.token_type, 'DPoP');
      assert.deepEqual(introspected.cnf, claims.cnf);
    });

    test('a DPoP-bound token presented as Bearer is refused with a DPoP challenge', async () => {
      const { token } = await boundToken(await oauth.generateKeyPair('ES256'));
      const res = await fetch(`${t.base}/v1/auth/check`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { code: string }).code, 'ERR-8043');
      assert.match(
        res.headers.get('www-authenticate') ?? '',
        /^DPoP realm="gatehouse", error="invalid_token".*algs="ES256 EdDSA RS256 PS256"/,
      );
    });

    test('every bad proof on a protected request: missing, wrong htm, wrong htu, stale iat, no ath, other key, replayed', async () => {
      const key = await proofKey();
      const res0 = await fetch(`${t.base}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          dpop: await key.proof({ htm: 'POST', htu: `${t.base}/oauth/token` }),
        },
        body: 'grant_type=client_credentials',
      });
      assert.equal(res0.status, 200);
      const token = ((await res0.json()) as { access_token: string }).access_token;
      registerSecret(token);
      const url = `${t.base}/v1/auth/check`;
      const call = (dpop?: string) =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: `DPoP ${token}`, 'content-type': 'application/json', ...(dpop ? { dpop } : {}) },
          body: '{}',
        });
      const refused = async (res: Response, code: string, error = 'invalid_dpop_proof') => {
        assert.equal(res.status, 401);
        assert.equal(((await res.json()) as { code: string }).code, code);
        assert.match(res.headers.get('www-authenticate') ?? '', new RegExp(`^DPoP .*error="${error}"`));
      };
      const good = { htm: 'POST', htu: url, ath: ath(token) };
      await refused(await call(), 'ERR-8040');
      await refused(await call(await key.proof({ ...good, htm: 'GET' })), 'ERR-8040');
      await refused(await call(await key.proof({ ...good, htu: `${t.base}/v1/auth/me` })), 'ERR-8040');
      await refused(await call(await key.proof({ ...good, iat: Math.floor(Date.now() / 1000) - 3600 })), 'ERR-8040');
      await refused(await call(await key.proof({ htm: 'POST', htu: url })), 'ERR-8040');
      await refused(await call(await (await proofKey()).proof(good)), 'ERR-8040');
      await refused(await call(await key.proof(good, { typ: 'JWT' })), 'ERR-8040');
      // The query string is not part of htu.
      const proof = await key.proof({ ...good, htu: `${url}?x=1` });
      assert.equal((await call(proof)).status, 200);
      await refused(await call(proof), 'ERR-8042');
      // An unbound token sent with the DPoP scheme is refused too.
      const plain = await oauth.clientCredentialsGrantRequest(
        as,
        { client_id: worker.client_id },
        oauth.ClientSecretBasic(String(worker.client_secret)),
        {},
        insecure,
      );
      const plainToken = ((await plain.json()) as { access_token: string; token_type: string }).access_token;
      registerSecret(plainToken);
      const r = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `DPoP ${plainToken}`,
          dpop: await key.proof({ htm: 'POST', htu: url, ath: ath(plainToken) }),
          'content-type': 'application/json',
        },
        body: '{}',
      });
      await refused(r, 'ERR-8040');
    });

    test('/v1/auth/check checks a forwarded request: the proof matches X-Original-Method and X-Original-URL', async () => {
      const key = await proofKey();
      const tok = await fetch(`${t.base}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          dpop: await key.proof({ htm: 'POST', htu: `${t.base}/oauth/token` }),
        },
        body: 'grant_type=client_credentials',
      });
      const token = ((await tok.json()) as { access_token: string }).access_token;
      registerSecret(token);
      const target = 'https://api.example.com/reports/7';
      const check = async (forwarded: { method: string; url: string }, htu: string, htm: string) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/auth/check',
          headers: {
            authorization: `DPoP ${token}`,
            dpop: await key.proof({ htm, htu, ath: ath(token) }),
            'x-original-method': forwarded.method,
            'x-original-url': forwarded.url,
          },
          payload: {},
        });
      const okRes = await check({ method: 'GET', url: target }, target, 'GET');
      assert.equal(okRes.statusCode, 200, okRes.body);
      assert.equal((await check({ method: 'GET', url: target }, `${t.base}/v1/auth/check`, 'POST')).statusCode, 401);
    });

    test('token endpoint: a bad or replayed proof is invalid_dpop_proof (400)', async () => {
      const key = await proofKey();
      const post = (dpop: string) =>
        fetch(`${t.base}/oauth/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
            dpop,
          },
          body: 'grant_type=client_credentials',
        });
      const bad = await post(await key.proof({ htm: 'GET', htu: `${t.base}/oauth/token` }));
      assert.equal(bad.status, 400);
      assert.equal(await errorOf(bad), 'invalid_dpop_proof');
      assert.equal((await post('not-a-jwt')).status, 400);
      const proof = await key.proof({ htm: 'POST', htu: `${t.base}/oauth/token` });
      const first = await post(proof);
      assert.equal(first.status, 200);
      registerSecret(((await first.json()) as { access_token: string }).access_token);
      const again = await post(proof);
      assert.equal(again.status, 400);
      assert.equal(await errorOf(again), 'invalid_dpop_proof');
      const hs = await post(await key.proof({ htm: 'POST', htu: `${t.base}/oauth/token` }, { alg: 'ES384' }).catch(() => 'x.y.z'));
      assert.equal(hs.status, 400);
    });

    test('public client: code flow with DPoP binds the refresh token to the key; another key or none is refused', async () => {
      const pub = await createClient(t, owner, {
        client_name: 'dpop spa',
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      });
      const client = { client_id: pub.client_id, token_endpoint_auth_method: 'none' };
      const keyPair = await oauth.generateKeyPair('ES256');
      const DPoP = oauth.DPoP({ [oauth.clockSkew]: 0 }, keyPair);
      const verifier = oauth.generateRandomCodeVerifier();
      const url = new URL(`${t.base}/oauth/authorize`);
      url.search = new URLSearchParams({
        client_id: pub.client_id,
        redirect_uri: CALLBACK,
        response_type: 'code',
        scope: 'openid',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 'st',
      }).toString();
      const callback = await authorizeInBrowser(t.base, url, { identifier: owner.email, password: owner.password });
      const params = oauth.validateAuthResponse(as, client, callback, 'st');
      const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, CALLBACK, verifier, { ...insecure, DPoP });
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
      registerSecret(tokens.access_token);
      registerSecret(String(tokens.refresh_token));
      assert.equal(tokens.token_type, 'dpop');
      const info = await oauth.userInfoRequest(as, client, tokens.access_token, { ...insecure, DPoP });
      assert.equal(info.status, 200, await info.clone().text());
      const asBearer = await oauth.userInfoRequest(as, client, tokens.access_token, insecure);
      assert.equal(asBearer.status, 401);
      // Refresh with another key, and without DPoP: refused, and the refresh token is not consumed.
      const other = oauth.DPoP({ [oauth.clockSkew]: 0 }, await oauth.generateKeyPair('ES256'));
      const wrong = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), String(tokens.refresh_token), {
        ...insecure,
        DPoP: other,
      });
      assert.equal(wrong.status, 400);
      assert.equal(await errorOf(wrong), 'invalid_dpop_proof');
      const none = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), String(tokens.refresh_token), insecure);
      assert.equal(none.status, 400);
      const ok = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), String(tokens.refresh_token), { ...insecure, DPoP });
      const next = await oauth.processRefreshTokenResponse(as, client, ok);
      registerSecret(next.access_token);
      registerSecret(String(next.refresh_token));
      assert.deepEqual(claimsOf(next.access_token).cnf, { jkt: await DPoP.calculateThumbprint() });
    });
  });
}

describe('DPoP nonces (dpopRequireNonce)', () => {
  let t: ListeningApp;
  let owner: Registered;
  let as: oauth.AuthorizationServer;
  let worker: { client_id: string; client_secret?: string };

  before(async () => {
    t = await listeningApp('sqlite', { dpopRequireNonce: true });
    owner = await registerOrg(t);
    as = await discover(t.base);
    worker = await createClient(t, owner, {
      client_name: 'nonce worker',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'reports:read',
    });
  });
  after(() => t.close());

  test('use_dpop_nonce with a DPoP-Nonce header at the token endpoint and on protected requests; oauth4webapi retries with it', async () => {
    const client = { client_id: worker.client_id };
    const DPoP = oauth.DPoP({ [oauth.clockSkew]: 0 }, await oauth.generateKeyPair('ES256'));
    const auth = oauth.ClientSecretBasic(String(worker.client_secret));
    const first = await oauth.clientCredentialsGrantRequest(as, client, auth, {}, { ...insecure, DPoP });
    assert.equal(first.status, 400);
    assert.ok(first.headers.get('dpop-nonce'));
    await assert.rejects(oauth.processClientCredentialsResponse(as, client, first), (err) => oauth.isDPoPNonceError(err));
    const retry = await oauth.clientCredentialsGrantRequest(as, client, auth, {}, { ...insecure, DPoP });
    const body = await oauth.processClientCredentialsResponse(as, client, retry);
    registerSecret(body.access_token);
    // A proof without a nonce on a protected request: 401 use_dpop_nonce, a fresh nonce, then success.
    const key = await proofKey();
    const tok = await fetch(`${t.base}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        dpop: await key.proof({
          htm: 'POST',
          htu: `${t.base}/oauth/token`,
          nonce: String(retry.headers.get('dpop-nonce') ?? first.headers.get('dpop-nonce')),
        }),
      },
      body: 'grant_type=client_credentials',
    });
    assert.equal(tok.status, 200, await tok.clone().text());
    const token = ((await tok.json()) as { access_token: string }).access_token;
    registerSecret(token);
    const url = `${t.base}/v1/auth/check`;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await key.proof({ htm: 'POST', htu: url, ath: ath(token) }),
        'content-type': 'application/json',
      },
      body: '{}',
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="use_dpop_nonce"/);
    const nonce = String(res.headers.get('dpop-nonce'));
    const ok = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await key.proof({ htm: 'POST', htu: url, ath: ath(token), nonce }),
        'content-type': 'application/json',
      },
      body: '{}',
    });
    assert.equal(ok.status, 200);
    // A made-up nonce is refused.
    const forged = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await key.proof({ htm: 'POST', htu: url, ath: ath(token), nonce: `${nonce.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAA` }),
        'content-type': 'application/json',
      },
      body: '{}',
    });
    assert.equal(forged.status, 401);
  });
});
