/**
 * Every response — success, error, 404, 405, a URL the router refuses, an answer written straight
 * to the socket — carries `nosniff`, a CSP that loads and frames nothing, `Referrer-Policy:
 * no-referrer` and `Cache-Control: no-store`; only `/docs` has the looser CSP its page needs and
 * only the public documents under `/.well-known/` (JWKS, discovery, resource metadata) may be cached.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

const STRICT_CSP = "default-src 'none'; frame-ancestors 'none'";

function assertHeaders(headers: Record<string, unknown>, what: string, opts: { cache?: boolean; csp?: 'strict' | 'docs' } = {}): void {
  assert.equal(headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(headers['referrer-policy'], 'no-referrer', `${what}: referrer-policy`);
  if ((opts.csp ?? 'strict') === 'strict') assert.equal(headers['content-security-policy'], STRICT_CSP, `${what}: csp`);
  else assert.match(String(headers['content-security-policy']), /default-src 'self'/, `${what}: docs csp`);
  if (!opts.cache) assert.equal(headers['cache-control'], 'no-store', `${what}: cache-control`);
}

/** Sends raw bytes and answers the raw response text. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let out = '';
    socket.on('data', (c: Buffer) => {
      out += c.toString('latin1');
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('security headers on every response', () => {
  let t: TestApp;
  let owner: Registered;
  before(async () => {
    t = await createTestApp('sqlite');
    owner = await registerOrg(t);
  });
  after(() => t.close());

  test('every operation of the OpenAPI document, with and without a credential', async () => {
    const doc = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    let n = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      const url = path.replace('{org}', owner.slug).replace(/\{[a-z_]+\}/g, 'x');
      for (const method of Object.keys(ops)) {
        for (const headers of [{}, bearer(owner.access)]) {
          if (method === 'delete' || path === '/v1/auth/logout') continue;
          const res = await t.app.inject({
            method: method.toUpperCase() as 'GET',
            url,
            headers,
            ...(method === 'get' ? {} : { payload: {} }),
          });
          assertHeaders(res.headers, `${method} ${path} ${res.statusCode}`, { cache: path.startsWith('/.well-known/') });
          n++;
        }
      }
    }
    assert.ok(n >= 50, `only ${n} requests`);
    const jwks = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.match(String(jwks.headers['cache-control']), /public/);
  });

  test('404, 405, a refused URL and a malformed body carry them too', async () => {
    for (const [method, url] of [
      ['GET', '/v1/nope'],
      ['DELETE', '/health'],
      ['GET', '/v1/api-keys/%ZZ'],
      ['GET', `/v1/api-keys/key_${'a'.repeat(5000)}`],
    ] as const) {
      const res = await t.app.inject({ method, url });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url.slice(0, 30)}: ${res.statusCode}`);
      assertHeaders(res.headers, `${method} ${url.slice(0, 30)}`);
    }
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    assert.equal(malformed.statusCode, 400);
    assertHeaders(malformed.headers, 'malformed JSON');
  });

  test('/docs keeps the CSP its page needs, with nosniff', async () => {
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assertHeaders(docs.headers, '/docs', { csp: 'docs' });
  });

  test('an answer written straight to the socket (a request Node cannot parse) carries them', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const answer = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400/);
    assert.match(answer, /\r\nx-content-type-options: nosniff\r\n/i);
    assert.match(answer, /\r\ncontent-security-policy: default-src 'none'; frame-ancestors 'none'\r\n/i);
  });
});
