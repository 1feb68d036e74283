/**
 * A real OpenID provider (`oidc-provider`) on loopback issues JWT access tokens with the
 * client-credentials grant; Gatehouse, in `oauth2` mode with only the issuer URL configured,
 * discovers its JWKS and accepts them on `/v1/auth/check`. Then the provider goes down.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import Provider from 'oidc-provider';
import { ManualClock } from '../../src/lib/clock.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';

let server: Server;
let issuer = '';
let t: TestApp;
const secret = 'a-client-secret-that-is-long-enough-for-tests';
registerSecret(secret);

before(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'svc', client_secret: secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'provider-key', use: 'sig', alg: 'RS256' }] },
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:gatehouse:test',
        getResourceServerInfo: () => ({
          scope: 'contexts:read tools:execute:github',
          audience: 'urn:gatehouse:test',
          accessTokenFormat: 'jwt',
        }),
        useGrantedResource: () => true,
      },
    },
    extraTokenClaims: () => ({ org: 'acme' }),
  });
  server.on('request', provider.callback());
  t = await createTestApp(
    'sqlite',
    {
      authMode: 'oauth2',
      oauth2IssuerUrl: issuer,
      oauth2Audience: 'urn:gatehouse:test',
      oauth2Organization: 'claim:org',
      jwksTimeout: 1,
    },
    // The provider stamps iat with the real time; a token issued after Gatehouse's "now" is refused.
    new ManualClock(Date.now()),
  );
  const reg = await t.app.inject({
    method: 'POST',
    url: '/v1/organizations/register',
    payload: {
      organization_name: 'Acme',
      organization_slug: 'acme',
      admin_email: 'a@example.com',
      admin_name: 'A',
      admin_password: 'a long password',
    },
  });
  assert.equal(reg.statusCode, 201);
});

after(async () => {
  await t.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function clientCredentialsToken(): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    signal: AbortSignal.timeout(10_000),
    headers: {
      authorization: `Basic ${Buffer.from(`svc:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'contexts:read tools:execute:github',
      resource: 'urn:gatehouse:test',
    }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.ok(body.access_token);
  registerSecret(body.access_token);
  return body.access_token;
}

test('a token from oidc-provider is accepted by /v1/auth/check, mapped to the organization and scopes', async () => {
  const token = await clientCredentialsToken();
  assert.equal(token.split('.').length, 3, 'a JWT access token');
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/check',
    headers: { authorization: `Bearer ${token}` },
    payload: { required_scopes: ['tools:execute:github'] },
  });
  assert.equal(res.statusCode, 200, res.body);
  const p = res.json().principal;
  assert.equal(p.kind, 'external');
  assert.equal(p.issuer, issuer);
  assert.deepEqual([...p.scopes].sort(), ['contexts:read', 'tools:execute:github']);
  const denied = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/check',
    headers: { authorization: `Bearer ${token}` },
    payload: { required_scopes: ['contexts:write'] },
  });
  assert.equal(denied.statusCode, 403);
});

test('the provider goes down: tokens keep verifying from the cached keys', async () => {
  const token = await clientCredentialsToken();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  const res = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { authorization: `Bearer ${token}` }, payload: {} });
  assert.equal(res.statusCode, 200);
  server = createServer();
});
