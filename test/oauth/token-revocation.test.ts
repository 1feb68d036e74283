import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import * as oauth from 'oauth4webapi';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices, type Services } from '../../src/services.ts';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { TEST_SECRETS } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { msUntil } from '../support/server-process.ts';
import { createClient, discover, errorOf, insecure, type ListeningApp, listeningApp } from './support.ts';

for (const backend of BACKENDS) {
  describe(`RFC 7009 revocation of one client-credentials access token (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let as: oauth.AuthorizationServer;
    /** Node B: the same database, its own caches, bus and change-feed reader (no Redis). */
    let b: { app: FastifyInstance; services: Services };

    before(async () => {
      t = await listeningApp(backend);
      owner = await registerOrg(t);
      as = await discover(t.base);
      const storage = { ...t.services.storage, close: async () => {} };
      const services = await createServices(t.config, {
        clock: t.clock,
        log: createLogger('silent'),
        storage,
        secrets: TEST_SECRETS,
        migrate: false,
        audit: false,
      });
      b = { app: await buildApp(services), services };
    });
    after(async () => {
      await b.app.close();
      await b.services.close();
      await t.close();
    });

    async function worker(o: Registered = owner) {
      const created = await createClient(t, o, {
        client_name: 'worker',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'clients:read',
      });
      const client: oauth.Client = { client_id: created.client_id };
      const auth = oauth.ClientSecretBasic(String(created.client_secret));
      const token = async () => {
        const res = await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: 'clients:read' }, insecure);
        const body = await oauth.processClientCredentialsResponse(as, client, res);
        registerSecret(body.access_token);
        return body.access_token;
      };
      const revoke = async (tok: string) => oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tok, insecure));
      const introspect = async (tok: string) =>
        oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tok, insecure));
      return { client, auth, token, revoke, introspect };
    }

    const status = async (app: FastifyInstance, method: 'GET' | 'POST', url: string, token: string) =>
      (await app.inject({ method, url, headers: bearer(token) })).statusCode;

    test('the revoked token is refused everywhere: /v1/auth/check, /v1/auth/validate, protected routes, introspection', async () => {
      const w = await worker();
      const token = await w.token();
      const other = await w.token();
      assert.equal(await status(t.app, 'POST', '/v1/auth/check', token), 200);
      assert.equal(await status(t.app, 'GET', '/v1/oauth/clients', token), 200);
      assert.equal((await w.introspect(token)).active, true);

      await w.revoke(token);

      const check = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(token) });
      assert.equal(check.statusCode, 401);
      assert.match(String(check.headers['www-authenticate']), /error="invalid_token"/);
      assert.equal(await status(t.app, 'POST', '/v1/auth/validate', token), 401);
      assert.equal(await status(t.app, 'GET', '/v1/oauth/clients', token), 401);
      assert.deepEqual(await w.introspect(token), { active: false });
      // Per token: the client's other token still works.
      assert.equal(await status(t.app, 'POST', '/v1/auth/check', other), 200);
      assert.equal((await w.introspect(other)).active, true);
      // Revoking again, or an unknown token: 200, nothing else changes.
      await w.revoke(token);
      await w.revoke('not-a-token');
      assert.equal(await status(t.app, 'POST', '/v1/auth/check', other), 200);

      // The row lives until the token's own expiry (the sweep removes it after).
      const row = await t.services.storage.db.selectFrom('oauth_revoked_tokens').selectAll().executeTakeFirstOrThrow();
      const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number }).exp;
      assert.equal(Number(row.expires_at), exp * 1000);
      assert.equal(row.client_id, w.client.client_id);
    });

    test('another node refuses it within a second, through the change feed', async () => {
      const w = await worker();
      const token = await w.token();
      // Node B has verified the token and cached that it is not revoked.
      assert.equal(await status(b.app, 'POST', '/v1/auth/check', token), 200);
      assert.equal(await status(b.app, 'POST', '/v1/auth/check', token), 200);
      await w.revoke(token);
      const ms = await msUntil(async () => (await status(b.app, 'POST', '/v1/auth/check', token)) === 401);
      assert.ok(ms < 1000, `refused on node B only after ${Math.round(ms)} ms`);
      assert.equal(await status(b.app, 'GET', '/v1/oauth/clients', token), 401);
    });

    test('security matrix: no credentials, a bad secret, another client, another tenant — the token keeps working', async () => {
      const w = await worker();
      const token = await w.token();
      const none = await fetch(`${t.base}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
      assert.equal(none.status, 401);
      assert.equal(await errorOf(none), 'invalid_client');
      const bad = await oauth.revocationRequest(as, w.client, oauth.ClientSecretBasic('ghcs_wrong'), token, insecure);
      assert.equal(bad.status, 401);
      assert.match(bad.headers.get('www-authenticate') ?? '', /^Basic /);
      // Another client of the same organization, and a client of another organization: 200, nothing revoked.
      const sibling = await worker();
      await sibling.revoke(token);
      const stranger = await worker(await registerOrg(t));
      await stranger.revoke(token);
      assert.equal(await status(t.app, 'POST', '/v1/auth/check', token), 200);
      assert.equal((await w.introspect(token)).active, true);
    });
  });
}
