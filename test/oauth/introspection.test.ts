import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { createClient, discover, insecure, type ListeningApp, listeningApp } from './support.ts';

for (const backend of BACKENDS) {
  describe(`OAuth introspection and revocation (${backend})`, () => {
    let t: ListeningApp;
    let owner: Registered;
    let as: oauth.AuthorizationServer;
    const clients: { client: oauth.Client; auth: oauth.ClientAuth }[] = [];

    before(async () => {
      t = await listeningApp(backend);
      owner = await registerOrg(t);
      as = await discover(t.base);
      for (const name of ['a', 'b']) {
        const c = await createClient(t, owner, {
          client_name: name,
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: 'x:read',
        });
        clients.push({ client: { client_id: c.client_id }, auth: oauth.ClientSecretBasic(String(c.client_secret)) });
      }
    });
    after(() => t.close());

    async function tokenOf(i: number): Promise<string> {
      const c = clients[i];
      assert.ok(c);
      const res = await oauth.clientCredentialsGrantRequest(as, c.client, c.auth, {}, insecure);
      const token = (await oauth.processClientCredentialsResponse(as, c.client, res)).access_token;
      registerSecret(token);
      return token;
    }

    test("the caller's own token is active; another client's, garbage and unknown tokens are exactly {active:false}", async () => {
      const [a, b] = clients;
      assert.ok(a && b);
      const token = await tokenOf(0);
      const own = await oauth.processIntrospectionResponse(
        as,
        a.client,
        await oauth.introspectionRequest(as, a.client, a.auth, token, insecure),
      );
      assert.equal(own.active, true);
      assert.equal(own.client_id, a.client.client_id);
      assert.equal(own.scope, 'x:read');
      for (const [caller, tok] of [
        [b, token],
        [a, 'garbage'],
        [a, 'ghor_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ] as const) {
        const res = await oauth.introspectionRequest(as, caller.client, caller.auth, tok, insecure);
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { active: false });
      }
      const wrong = await oauth.introspectionRequest(as, a.client, oauth.ClientSecretBasic('ghcs_wrong'), token, insecure);
      assert.equal(wrong.status, 401);
      assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic /);
    });

    test("revocation: 200 for unknown tokens and for another client's, which keep working", async () => {
      const [a, b] = clients;
      assert.ok(a && b);
      const token = await tokenOf(0);
      for (const tok of ['unknown-token', token]) {
        const res = await oauth.revocationRequest(as, b.client, b.auth, tok, insecure);
        await oauth.processRevocationResponse(res);
      }
      const still = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(token) });
      assert.equal(still.statusCode, 200);
    });
  });
}
