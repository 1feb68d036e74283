import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { createClient, createResource, discover, errorOf, insecure, type ListeningApp, listeningApp } from './support.ts';

for (const backend of BACKENDS) {
  describe(`OAuth discovery, registration and client credentials (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let as: oauth.AuthorizationServer;

    before(async () => {
      t = await listeningApp(backend);
      owner = await registerOrg(t);
      as = await discover(t.base);
    });
    after(() => t.close());

    test('discovery: issuer is the public URL exactly, S256 only, no implicit or password grant', async () => {
      assert.equal(as.issuer, t.base);
      assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(as.response_types_supported, ['code']);
      assert.ok(!as.grant_types_supported?.includes('password') && !as.grant_types_supported?.includes('implicit'));
      assert.equal(as.authorization_response_iss_parameter_supported, true);
      assert.equal(as.client_id_metadata_document_supported, true);
      const oidc = await fetch(`${t.base}/.well-known/openid-configuration`);
      assert.deepEqual(await oidc.json(), as);
    });

    test('RFC 7591 registration needs an initial access token with clients:write', async () => {
      const metadata = {
        client_name: 'svc',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'reports:read',
      };
      const anonymous = await oauth.dynamicClientRegistrationRequest(as, metadata, insecure);
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer /);
      assert.equal(await errorOf(anonymous), 'invalid_token');
      const res = await oauth.dynamicClientRegistrationRequest(as, metadata, { ...insecure, initialAccessToken: owner.access });
      const client = await oauth.processDynamicClientRegistrationResponse(res);
      assert.match(String(client.client_id), /^cli_/);
      assert.match(String(client.client_secret), /^ghcs_/);
      registerSecret(String(client.client_secret));
      const bad = await oauth.dynamicClientRegistrationRequest(
        as,
        { redirect_uris: ['http://evil.example/cb'] },
        { ...insecure, initialAccessToken: owner.access },
      );
      assert.equal(bad.status, 400);
      assert.equal(await errorOf(bad), 'invalid_redirect_uri');
    });

    test('client_credentials: sub is the client, in its organization; the token passes /v1/auth/check', async () => {
      const created = await createClient(t, owner, {
        client_name: 'worker',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'reports:read reports:write',
      });
      const client: oauth.Client = { client_id: created.client_id };
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(String(created.client_secret)),
        { scope: 'reports:read' },
        insecure,
      );
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const tokens = await oauth.processClientCredentialsResponse(as, client, res);
      registerSecret(tokens.access_token);
      assert.equal(tokens.scope, 'reports:read');
      const check = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/check',
        headers: bearer(tokens.access_token),
        payload: { required_scopes: ['reports:read'] },
      });
      assert.equal(check.statusCode, 200, check.body);
      const p = check.json().principal;
      assert.equal(p.kind, 'oauth_client');
      assert.equal(p.subject, created.client_id);
      assert.equal(p.organization_id, owner.orgId);
      // A scope the client was not registered for is refused; the grant is not widened.
      const wide = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(String(created.client_secret)),
        { scope: 'admin' },
        insecure,
      );
      assert.equal(wide.status, 400);
      assert.equal(await errorOf(wide), 'invalid_scope');
      // Deleting the client stops its tokens.
      const del = await t.app.inject({ method: 'DELETE', url: `/v1/oauth/clients/${created.client_id}`, headers: bearer(owner.access) });
      assert.equal(del.statusCode, 200);
      const after = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(tokens.access_token) });
      assert.equal(after.statusCode, 401);
      assert.equal(after.json().error, 'token_revoked');
    });

    test('client_secret_post works; a wrong secret is invalid_client with a Basic challenge', async () => {
      const created = await createClient(t, owner, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
        scope: 'x:read',
      });
      const client: oauth.Client = { client_id: created.client_id };
      const ok = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(String(created.client_secret)), {}, insecure);
      registerSecret((await oauth.processClientCredentialsResponse(as, client, ok)).access_token);
      const wrong = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost('ghcs_wrong'), {}, insecure);
      assert.equal(wrong.status, 401);
      assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic realm=/);
      assert.deepEqual(await wrong.json(), { error: 'invalid_client', error_description: 'Client authentication failed' });
      // The registered method is the only one: the right secret by Basic fails too.
      const other = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(String(created.client_secret)),
        {},
        insecure,
      );
      assert.equal(other.status, 401);
      const unsupported = await fetch(`${t.base}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password' }) });
      assert.equal(unsupported.status, 400);
      assert.equal(await errorOf(unsupported), 'unsupported_grant_type');
    });

    test('private_key_jwt authenticates with a signed assertion', async () => {
      const { privateKey, publicKey } = await oauth.generateKeyPair('ES256', { extractable: true });
      const jwk = await crypto.subtle.exportKey('jwk', publicKey);
      const created = await createClient(t, owner, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...jwk, alg: 'ES256', use: 'sig', kid: 'k1' }] },
        scope: 'x:read',
      });
      const client: oauth.Client = { client_id: created.client_id };
      const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.PrivateKeyJwt({ key: privateKey, kid: 'k1' }), {}, insecure);
      const tokens = await oauth.processClientCredentialsResponse(as, client, res);
      registerSecret(tokens.access_token);
      assert.equal(tokens.scope, 'x:read');
    });

    test('resource indicators: aud is the registered resource; a token for A is refused at B', async () => {
      const a = 'https://a.example.com/api';
      const b = 'https://b.example.com/api';
      await createResource(t, owner, a, ['items:read']);
      await createResource(t, owner, b, ['items:read']);
      const created = await createClient(t, owner, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'items:read',
      });
      const client: oauth.Client = { client_id: created.client_id };
      const auth = oauth.ClientSecretBasic(String(created.client_secret));
      const res = await oauth.clientCredentialsGrantRequest(as, client, auth, { resource: a }, insecure);
      const tokens = await oauth.processClientCredentialsResponse(as, client, res);
      registerSecret(tokens.access_token);
      const atA = await t.app.inject({
        method: 'POST',
        url: `/v1/auth/check?resource=${encodeURIComponent(a)}`,
        headers: bearer(tokens.access_token),
      });
      assert.equal(atA.statusCode, 200, atA.body);
      const atB = await t.app.inject({
        method: 'POST',
        url: `/v1/auth/check?resource=${encodeURIComponent(b)}`,
        headers: bearer(tokens.access_token),
      });
      assert.equal(atB.statusCode, 401);
      assert.equal(atB.json().error, 'invalid_audience');
      assert.match(
        String(atB.headers['www-authenticate']),
        /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/b\.example\.com\/api"/,
      );
      // Not for Gatehouse's own API either.
      const own = await t.app.inject({ method: 'GET', url: '/v1/oauth/clients', headers: bearer(tokens.access_token) });
      assert.equal(own.statusCode, 401);
      const none = await t.app.inject({ method: 'POST', url: `/v1/auth/check?resource=${encodeURIComponent(a)}` });
      assert.equal(none.statusCode, 401);
      assert.match(String(none.headers['www-authenticate']), /^Bearer realm="gatehouse", resource_metadata="/);
      const meta = await oauth.processResourceDiscoveryResponse(
        new URL(a),
        await fetch(String(/resource_metadata="([^"]+)"/.exec(String(none.headers['www-authenticate']))?.[1])),
      );
      assert.deepEqual(meta.authorization_servers, [t.base]);
      assert.deepEqual(meta.scopes_supported, ['items:read']);
      // Unknown resources and foreign organizations' resources are invalid_target.
      const unknown = await oauth.clientCredentialsGrantRequest(as, client, auth, { resource: 'https://c.example.com/' }, insecure);
      assert.equal(await errorOf(unknown), 'invalid_target');
    });
  });
}
