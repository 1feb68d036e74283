import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';

/** Sends raw bytes over a real socket (inject bypasses Node's HTTP parser). */
function raw(port: number, headers: Record<string, string>): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/health', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const backend of BACKENDS) {
  describe(`HTTP basics (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend);
    });
    after(() => t.close());

    test('health and ready need no credentials; ready pings storage', async () => {
      const h = await t.app.inject({ method: 'GET', url: '/health' });
      assert.equal(h.statusCode, 200);
      assert.deepEqual(h.json(), { status: 'ok', auth_mode: 'token' });
      assert.match(String(h.headers['x-request-id']), /^req_/);
      const r = await t.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(r.statusCode, 200);
    });

    test('docs and openapi need no credentials', async () => {
      assert.equal((await t.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode, 200);
      const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
      assert.equal(docs.statusCode, 200);
      assert.match(docs.body, /swagger/i);
    });

    test('unknown route: 404 problem+json; wrong method: 405 with Allow', async () => {
      const nf = await t.app.inject({ method: 'GET', url: '/v1/nope?x=1' });
      assert.equal(nf.statusCode, 404);
      assert.match(String(nf.headers['content-type']), /^application\/problem\+json/);
      assert.equal(nf.json().code, 'ERR-1005');
      const na = await t.app.inject({ method: 'DELETE', url: '/health' });
      assert.equal(na.statusCode, 405);
      assert.equal(na.json().code, 'ERR-1006');
      assert.match(String(na.headers.allow), /GET/);
    });

    test('URLs the router cannot take (bad percent-encoding, an over-long path parameter): 4xx problem+json', async () => {
      for (const url of [
        '/v1/api-keys/%ZZ',
        '/%ZZ',
        `/v1/api-keys/key_${'a'.repeat(5000)}`,
        `/v1/organizations/${'a'.repeat(300)}/members`,
      ]) {
        const res = await t.app.inject({ method: 'GET', url });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url.slice(0, 40)}: ${res.statusCode}`);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/, url.slice(0, 40));
        assert.match(res.json().code, /^ERR-\d{4}$/);
      }
    });

    test('protected route without a credential: 401 with a bare Bearer challenge', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/auth/check', payload: {} });
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="gatehouse"');
      assert.equal(res.json().code, 'ERR-4001');
    });

    test('garbage credentials: 401 invalid_token, never a 500', async () => {
      for (const cred of ['garbage', 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.', 'a.b.c', 'eyJ.eyJ.x', 'sk_live_short']) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/check',
          headers: { authorization: `Bearer ${cred}` },
          payload: {},
        });
        assert.equal(res.statusCode, 401, cred);
        assert.match(
          String(res.headers['www-authenticate']),
          /^Bearer realm="gatehouse", error="invalid_token", error_description="/,
          cred,
        );
      }
    });

    test('credential in the query string or two credentials: 400 invalid_request', async () => {
      const q = await t.app.inject({ method: 'POST', url: '/v1/auth/check?access_token=abc', payload: {} });
      assert.equal(q.statusCode, 400);
      assert.equal(q.json().error, 'credential_in_query');
      assert.match(String(q.headers['www-authenticate']), /error="invalid_request"/);
      const two = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/check',
        headers: { authorization: 'Bearer abc', 'x-api-key': 'def' },
        payload: {},
      });
      assert.equal(two.statusCode, 400);
      assert.equal(two.json().error, 'multiple_credentials');
    });

    test('authentication runs before the body is read: an anonymous malformed body is a 401', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/check',
        headers: { 'content-type': 'application/json' },
        payload: '{"required_scopes": [',
      });
      assert.equal(res.statusCode, 401);
    });

    test('huge headers: 431 problem+json from a real socket', async () => {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      const res = await raw(port, { 'x-huge': 'a'.repeat(20_000) });
      assert.equal(res.status, 431);
      assert.match(res.type, /application\/problem\+json/);
      assert.equal(JSON.parse(res.body).code, 'ERR-1004');
    });
  });
}

describe('disabled mode', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite', { authMode: 'disabled' });
  });
  after(() => t.close());

  test('every request is the development principal; /health warns loudly', async () => {
    const h = await t.app.inject({ method: 'GET', url: '/health' });
    assert.equal(h.json().auth_mode, 'disabled');
    assert.match(h.json().warning, /DISABLED/);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/check',
      payload: { required_scopes: ['contexts:write'], memory_space: 'x' },
    });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.principal.kind, 'development');
    assert.equal(body.memory_space, 'x');
    assert.equal(res.headers['x-gatehouse-subject'], 'development');
  });

  test('malformed JSON, wrong content type and oversized bodies are 4xx problems', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/check',
      headers: { 'content-type': 'application/json' },
      payload: '{"required_scopes": [',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'ERR-1002');
    const media = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { 'content-type': 'text/xml' }, payload: '<a/>' });
    assert.equal(media.statusCode, 415);
    const big = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/check',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ path: 'x'.repeat(2_000_000) }),
    });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'ERR-1003');
  });
});
