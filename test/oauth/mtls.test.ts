import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { ManualClock } from '../../src/lib/clock.ts';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS, type BackendName } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { claimsOf, makePki, type TestPki, tlsFetch } from './sender-support.ts';
import { createClient, freePort } from './support.ts';

/** Gatehouse listening on HTTPS at 127.0.0.1, asking for client certificates issued by the test CA. */
async function tlsApp(backend: BackendName, pki: TestPki): Promise<TestApp & { base: string }> {
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const t = await createTestApp(
    backend,
    { publicUrl: base, tlsCert: pki.path('server.pem'), tlsKey: pki.path('server.key'), tlsClientCa: pki.path('ca.pem') },
    new ManualClock(Math.floor(Date.now() / 1000) * 1000),
  );
  await t.app.listen({ port, host: '127.0.0.1' });
  return { ...t, base };
}

const x5c = (pki: TestPki, name: string) => new X509Certificate(pki.pem(name)).raw.toString('base64');

for (const backend of BACKENDS) {
  describe(`mutual TLS (RFC 8705): client authentication and certificate-bound tokens (${backend})`, () => {
    const pki = makePki();
    let t: TestApp & { base: string };
    let owner: Registered;
    let as: oauth.AuthorizationServer;
    const as4 = (cert?: string) => ({
      [oauth.customFetch]: tlsFetch({
        ca: pki.pem('ca'),
        ...(cert !== undefined ? { cert: pki.pem(cert), key: readFileSync(pki.path(`${cert}.key`), 'utf8') } : {}),
      }),
    });

    before(async () => {
      t = await tlsApp(backend, pki);
      owner = await registerOrg(t);
      const issuer = new URL(t.base);
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...as4() }));
    });
    after(async () => {
      await t.close();
      pki.dispose();
    });

    test('discovery over HTTPS: certificate-bound tokens and both mTLS client authentication methods', () => {
      assert.equal(as.tls_client_certificate_bound_access_tokens, true);
      assert.ok(as.token_endpoint_auth_methods_supported?.includes('tls_client_auth'));
      assert.ok(as.token_endpoint_auth_methods_supported?.includes('self_signed_tls_client_auth'));
    });

    test('tls_client_auth by subject DN: a bound token (cnf.x5t#S256) that works only with the same certificate', async () => {
      const created = await createClient(t, owner, {
        client_name: 'mtls worker',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=worker,O=Example',
        scope: 'reports:read',
      });
      assert.equal(created.tls_client_auth_subject_dn, 'CN=worker,O=Example');
      const client = { client_id: created.client_id, token_endpoint_auth_method: 'tls_client_auth' };
      const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.TlsClientAuth(), { scope: 'reports:read' }, as4('worker'));
      const body = await oauth.processClientCredentialsResponse(as, client, res);
      registerSecret(body.access_token);
      assert.equal(body.token_type, 'bearer');
      assert.deepEqual(claimsOf(body.access_token).cnf, { 'x5t#S256': pki.thumbprint('worker') });
      const check = (cert?: string) =>
        as4(cert)[oauth.customFetch](`${t.base}/v1/auth/check`, {
          method: 'POST',
          headers: { ...bearer(body.access_token), 'content-type': 'application/json' },
          body: '{}',
        });
      const ok = await check('worker');
      assert.equal(ok.status, 200, await ok.clone().text());
      for (const cert of [undefined, 'intruder', 'self']) {
        const refused = await check(cert);
        assert.equal(refused.status, 401, `certificate ${cert}`);
        assert.equal(((await refused.json()) as { code: string }).code, 'ERR-8044');
        assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
      }
      // The wrong certificate, no certificate, or a certificate of another CA with the same subject: invalid_client.
      for (const cert of ['intruder', undefined, 'forged', 'self']) {
        const denied = await oauth.clientCredentialsGrantRequest(as, client, oauth.TlsClientAuth(), {}, as4(cert));
        assert.equal(denied.status, 401, `certificate ${cert}`);
        assert.equal(((await denied.json()) as { error: string }).error, 'invalid_client');
      }
    });

    test('tls_client_auth by SAN DNS', async () => {
      const created = await createClient(t, owner, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_san_dns: 'worker.example',
      });
      const client = { client_id: created.client_id };
      const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.TlsClientAuth(), {}, as4('worker'));
      assert.equal(res.status, 200);
      registerSecret(((await res.json()) as { access_token: string }).access_token);
      assert.equal((await oauth.clientCredentialsGrantRequest(as, client, oauth.TlsClientAuth(), {}, as4('intruder'))).status, 401);
    });

    test('self_signed_tls_client_auth: the certificate registered in the client JWKS (x5c), no CA needed', async () => {
      const jwk = new X509Certificate(pki.pem('self')).publicKey.export({ format: 'jwk' });
      const created = await createClient(t, owner, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [{ ...jwk, x5c: [x5c(pki, 'self')] }] },
      });
      const client = { client_id: created.client_id };
      const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.TlsClientAuth(), {}, as4('self'));
      const body = await oauth.processClientCredentialsResponse(as, client, res);
      registerSecret(body.access_token);
      assert.deepEqual(claimsOf(body.access_token).cnf, { 'x5t#S256': pki.thumbprint('self') });
      assert.equal((await oauth.clientCredentialsGrantRequest(as, client, oauth.TlsClientAuth(), {}, as4('worker'))).status, 401);
      const noX5c = await t.app.inject({
        method: 'POST',
        url: '/v1/oauth/clients',
        headers: bearer(owner.access),
        payload: { grant_types: ['client_credentials'], token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [jwk] } },
      });
      assert.equal(noX5c.statusCode, 400);
    });

    test('an API key bound to a certificate fingerprint is refused without that certificate', async () => {
      const bad = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(owner.access),
        payload: { name: 'b', scopes: ['read'], certificate_thumbprint: 'nope' },
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'ERR-8046');
      const { key } = await createKey(t, owner.access, {
        name: 'bound',
        scopes: ['read'],
        certificate_thumbprint: pki.thumbprint('worker'),
      });
      registerSecret(key);
      const call = (cert?: string) =>
        as4(cert)[oauth.customFetch](`${t.base}/v1/auth/check`, {
          method: 'POST',
          headers: { authorization: `Api-Key ${key}`, 'content-type': 'application/json' },
          body: '{}',
        });
      assert.equal((await call('worker')).status, 200);
      const without = await call();
      assert.equal(without.status, 401);
      assert.equal(((await without.json()) as { code: string }).code, 'ERR-8044');
      assert.equal((await call('intruder')).status, 401);
      // A service verifying the key on the presenter's behalf must pass the presenter's certificate.
      const verifier = (await createKey(t, owner.access, { name: 'verifier', scopes: ['keys:verify'] })).key;
      registerSecret(verifier);
      const verify = async (thumbprint?: string) =>
        (
          await t.app.inject({
            method: 'POST',
            url: '/v1/api-keys/verify',
            headers: { 'x-api-key': verifier },
            payload: { key, ...(thumbprint !== undefined ? { client_certificate_thumbprint: thumbprint } : {}) },
          })
        ).json() as { valid: boolean; code: string | null };
      assert.deepEqual(await verify(pki.thumbprint('worker')).then((r) => r.valid), true);
      for (const r of [await verify(), await verify(pki.thumbprint('intruder'))]) {
        assert.equal(r.valid, false);
        assert.equal(r.code, 'ERR-8044');
      }
    });
  });
}

describe('mutual TLS behind a TLS-terminating proxy (tlsClientCertHeader)', () => {
  const pki = makePki();
  let trusted: TestApp;
  let untrusted: TestApp;
  let ownerT: Registered;
  let ownerU: Registered;
  const settings = { tlsClientCa: pki.path('ca.pem'), tlsClientCertHeader: 'Client-Cert' };

  before(async () => {
    // Frozen at the real time: the certificates are valid from now.
    const now = () => new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    trusted = await createTestApp('sqlite', { ...settings, trustedProxies: ['10.0.0.0/8'] }, now());
    untrusted = await createTestApp('sqlite', { ...settings, trustedProxies: ['192.168.1.1'] }, now());
    ownerT = await registerOrg(trusted);
    ownerU = await registerOrg(untrusted);
  });
  after(async () => {
    await trusted.close();
    await untrusted.close();
    pki.dispose();
  });

  async function token(t: TestApp, owner: Registered, cert: string, remoteAddress: string) {
    const client = await createClient(t, owner, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=worker,O=Example',
    });
    return t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-cert': pki.header(cert) },
      payload: `grant_type=client_credentials&client_id=${client.client_id}`,
    });
  }

  test('the header is believed from a trusted proxy only; the certificate must still chain to tlsClientCa', async () => {
    const ok = await token(trusted, ownerT, 'worker', '10.1.2.3');
    assert.equal(ok.statusCode, 200, ok.body);
    const access = ok.json().access_token as string;
    registerSecret(access);
    assert.deepEqual(claimsOf(access).cnf, { 'x5t#S256': pki.thumbprint('worker') });
    // The bound token through the same proxy with the certificate header: allowed; without it: refused.
    const check = (headers: Record<string, string>, remoteAddress = '10.1.2.3') =>
      trusted.app.inject({ method: 'POST', url: '/v1/auth/check', remoteAddress, headers: { ...bearer(access), ...headers }, payload: {} });
    assert.equal((await check({ 'client-cert': pki.header('worker') })).statusCode, 200);
    assert.equal((await check({})).statusCode, 401);
    // Forward-auth does not check bindings yet: a bound token is refused there (fail closed), never passed.
    const edge = await trusted.app.inject({
      method: 'GET',
      url: '/v1/forward-auth',
      remoteAddress: '10.1.2.3',
      headers: { ...bearer(access), 'client-cert': pki.header('worker'), 'x-original-uri': '/x', 'x-original-method': 'GET' },
    });
    assert.equal(edge.statusCode, 401);
    // From a peer that is not a trusted proxy the header is ignored.
    assert.equal((await check({ 'client-cert': pki.header('worker') }, '172.16.0.9')).statusCode, 401);
    // A certificate of another CA with the right subject, through the trusted proxy: invalid_client.
    const forged = await token(trusted, ownerT, 'forged', '10.1.2.3');
    assert.equal(forged.statusCode, 401);
    assert.equal(forged.json().error, 'invalid_client');
    // The untrusted deployment (its proxy list does not hold the peer) never reads the header.
    const ignored = await token(untrusted, ownerU, 'worker', '127.0.0.1');
    assert.equal(ignored.statusCode, 401);
    assert.equal(ignored.json().error, 'invalid_client');
  });
});
