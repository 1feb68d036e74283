import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { authorizeInBrowser } from './browser.ts';
import { type ListeningApp, listeningApp } from './support.ts';

const CALLBACK = 'http://127.0.0.1:7777/callback';

/** Serves client metadata documents on loopback: `/good.json` tells the truth, `/lying.json` names another client_id. */
async function documentServer(): Promise<{ server: Server; base: string; fetches: () => number }> {
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const docs: Record<string, unknown> = {
      '/good.json': {
        client_id: `${base}/good.json`,
        client_name: 'Doc Client',
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'none',
      },
      '/lying.json': { client_id: `${base}/good.json`, client_name: 'Liar', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' },
      '/secret.json': { client_id: `${base}/secret.json`, redirect_uris: [CALLBACK], client_secret: 'nope' },
      '/huge.json': { client_id: `${base}/huge.json`, redirect_uris: [CALLBACK], padding: 'x'.repeat(20_000) },
    };
    const doc = docs[req.url ?? ''];
    if (doc === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, fetches: () => count };
}

function authorizeUrl(base: string, clientId: string): string {
  return `${base}/oauth/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, response_type: 'code', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`;
}

for (const backend of BACKENDS) {
  describe(`Client ID Metadata Documents (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let docs: Awaited<ReturnType<typeof documentServer>>;

    before(async () => {
      docs = await documentServer();
      t = await listeningApp(backend, { oauthCimdAllowPrivateAddresses: true });
      owner = await registerOrg(t);
    });
    after(async () => {
      await t.close();
      docs.server.close();
    });

    test('a URL client_id is fetched, validated and cached; the whole flow works with openid-client', async () => {
      const id = `${docs.base}/good.json`;
      const cfg = await client.discovery(new URL(t.base), id, undefined, client.None(), { execute: [client.allowInsecureRequests] });
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const callback = await authorizeInBrowser(t.base, url, { identifier: owner.email, password: owner.password });
      const tokens = await client.authorizationCodeGrant(cfg, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
      registerSecret(tokens.access_token);
      assert.equal(tokens.claims()?.aud, id);
      const before = docs.fetches();
      await fetch(authorizeUrl(t.base, id), { redirect: 'manual' });
      assert.equal(docs.fetches(), before, 'served from the cache (max-age=60)');
    });

    test('a document that lies about its client_id, holds a secret, or is too large is refused on the page', async () => {
      for (const [path, why] of [
        ['/lying.json', /its client_id is not its own URL/],
        ['/secret.json', /must not hold a client secret/],
        ['/huge.json', /larger than/],
        ['/missing.json', /HTTP 404/],
      ] as const) {
        const res = await fetch(authorizeUrl(t.base, `${docs.base}${path}`), { redirect: 'manual' });
        assert.equal(res.status, 400, path);
        assert.equal(res.headers.get('location'), null);
        assert.match(await res.text(), why);
      }
    });
  });
}

describe('Client ID Metadata Documents: SSRF guard', () => {
  test('loopback and private addresses are refused outside tests', async () => {
    const t = await createTestApp('sqlite');
    try {
      for (const id of [
        'https://127.0.0.1:9/client.json',
        'https://localhost:9/client.json',
        'https://10.0.0.1/client.json',
        'https://[::1]:9/client.json',
        'https://169.254.169.254/latest.json',
      ]) {
        const res = await t.app.inject({ method: 'GET', url: authorizeUrl('', id) });
        assert.equal(res.statusCode, 400, id);
        assert.match(res.body, /non-public address/, id);
      }
      const http = await t.app.inject({ method: 'GET', url: authorizeUrl('', 'http://example.com/client.json') });
      assert.equal(http.statusCode, 400);
      assert.match(http.body, /not registered here/);
    } finally {
      await t.close();
    }
  });
});
