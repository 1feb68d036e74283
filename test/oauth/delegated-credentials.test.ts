/**
 * A credential handed to a third party — a user's token issued to an OAuth client (delegated or
 * exchanged), or a client's own token — uses what it was granted but never mints or re-points a
 * lasting credential (an API key, an OAuth client, a client secret) or changes how the user signs
 * in (linked providers, the password). Every such route, for every kind of credential: the
 * credentials the user or organization holds itself (the login session, an API key) can.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { createClient } from './support.ts';

interface Call {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  payload?: Record<string, unknown>;
}

describe('delegated credentials cannot mint lasting credentials or change how the user signs in', () => {
  let t: TestApp;
  let owner: Registered;
  const delegated: Record<string, string> = {};
  const own: Record<string, string> = {};

  before(async () => {
    t = await createTestApp('sqlite');
    owner = await registerOrg(t);
    const { client_id: clientId } = await createClient(t, owner, {
      client_name: 'Third-party app',
      grant_types: ['authorization_code'],
      redirect_uris: ['https://app.example.com/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const sid = String(decodeJwt(owner.access).sid);
    const issue = async (extra: { clientId: string; act?: { sub: string } }) =>
      (
        await t.services.tokens.issueAccessToken({
          subject: owner.userId,
          organizationId: owner.orgId,
          role: 'owner',
          scopes: ['*'],
          sessionId: sid,
          ...extra,
        })
      ).token;
    delegated['a user token issued to an OAuth client'] = await issue({ clientId });
    delegated['an exchanged token (act)'] = await issue({ clientId, act: { sub: clientId } });
    const worker = await createClient(t, owner, {
      client_name: 'Worker',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'keys:write clients:write',
    });
    const grant = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials&scope=keys%3Awrite%20clients%3Awrite',
    });
    assert.equal(grant.statusCode, 200, grant.body);
    delegated["an OAuth client's own token"] = (grant.json() as { access_token: string }).access_token;
    for (const v of Object.values(delegated)) registerSecret(v);
    own['the login session'] = owner.access;
    own['an API key the owner made'] = (await createKey(t, owner.access, { name: 'own', scopes: ['*'] })).key;
  });
  after(() => t.close());

  /** The routes that would leave a lasting credential behind (fresh targets for each call). */
  const lasting = async (): Promise<[string, Call][]> => {
    const key = await createKey(t, owner.access, { name: 'target', scopes: ['read'] });
    const client = await createClient(t, owner, {
      client_name: 'Target',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const metadata = { client_name: 'New', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' };
    return [
      ['create an API key', { method: 'POST', url: '/v1/api-keys', payload: { name: 'k', scopes: ['read'] } }],
      ['rotate an API key', { method: 'POST', url: `/v1/api-keys/${key.id}/rotate` }],
      ['create an OAuth client', { method: 'POST', url: '/v1/oauth/clients', payload: metadata }],
      ['register a client (RFC 7591)', { method: 'POST', url: '/oauth/register', payload: metadata }],
      ['update an OAuth client', { method: 'PATCH', url: `/v1/oauth/clients/${client.client_id}`, payload: { client_name: 'Renamed' } }],
      ['rotate a client secret', { method: 'POST', url: `/v1/oauth/clients/${client.client_id}/rotate-secret` }],
    ];
  };

  const send = async (token: string, call: Call) => {
    const res = await t.app.inject({ ...call, headers: bearer(token) });
    for (const secret of [/"key":"([^"]+)"/, /"client_secret":"([^"]+)"/]) {
      const found = secret.exec(res.body)?.[1];
      if (found) registerSecret(found);
    }
    return res;
  };

  test('each delegated credential works, and is refused on every route that would outlive its grant', async () => {
    for (const [who, token] of Object.entries(delegated)) {
      const check = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(token) });
      assert.equal(check.statusCode, 200, `${who} is a working credential: ${check.body}`);
      for (const [what, call] of await lasting()) {
        const res = await send(token, call);
        assert.equal(res.statusCode, 403, `${who} could ${what}: ${res.body}`);
      }
    }
  });

  test('the credentials the organization holds itself may do each of them', async () => {
    for (const [who, token] of Object.entries(own)) {
      for (const [what, call] of await lasting()) {
        const res = await send(token, call);
        assert.ok(res.statusCode === 200 || res.statusCode === 201, `${who} could not ${what}: ${res.statusCode} ${res.body}`);
      }
    }
  });

  test("only the user's own session reaches the sign-in providers and the password", async () => {
    for (const [who, token] of Object.entries(delegated)) {
      // The client's own token holds neither scope, so it is refused for that first (ERR-6001).
      const userToken = who !== "an OAuth client's own token";
      const ids = await send(token, { method: 'GET', url: '/v1/users/me/identities' });
      assert.equal(ids.statusCode, 403, `${who} reached the user's sign-in providers: ${ids.body}`);
      assert.equal(ids.json().code, userToken ? 'ERR-8028' : 'ERR-6001');
      const password = await send(token, {
        method: 'POST',
        url: '/v1/auth/password',
        payload: { current_password: owner.password, new_password: 'a quite different passphrase 9' },
      });
      assert.equal(password.statusCode, 403, `${who} changed the password: ${password.body}`);
      if (userToken) assert.equal(password.json().code, 'ERR-6005');
    }
    const ids = await send(owner.access, { method: 'GET', url: '/v1/users/me/identities' });
    assert.equal(ids.statusCode, 200, ids.body);
  });
});
