/**
 * A credential handed to a third party — a user's token issued to an OAuth client (delegated or
 * exchanged), or a client's own token — uses what it was granted but never mints a lasting
 * credential (an API key) or changes how the user signs in (linked providers). The user's own
 * login session can do both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { createClient } from './support.ts';

describe('delegated credentials cannot create keys or manage sign-in providers', () => {
  let t: TestApp;
  let owner: Registered;
  const tokens: Record<string, string> = {};

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
    tokens['a user token issued to an OAuth client'] = await issue({ clientId });
    tokens['an exchanged token (act)'] = await issue({ clientId, act: { sub: clientId } });
    for (const v of Object.values(tokens)) registerSecret(v);
  });
  after(() => t.close());

  test('each is refused where a lasting credential would come of it; the login session is not', async () => {
    for (const [what, token] of Object.entries(tokens)) {
      const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(token) });
      assert.equal(me.statusCode, 200, `${what} is a working credential: ${me.body}`);
      const key = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(token),
        payload: { name: 'k', scopes: ['read'] },
      });
      assert.equal(key.statusCode, 403, `${what} created an API key: ${key.body}`);
      const ids = await t.app.inject({ method: 'GET', url: '/v1/users/me/identities', headers: bearer(token) });
      assert.equal(ids.statusCode, 403, `${what} reached the user's sign-in providers: ${ids.body}`);
      assert.equal(ids.json().code, 'ERR-8028');
    }
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(owner.access),
      payload: { name: 'k', scopes: ['read'] },
    });
    assert.equal(key.statusCode, 201, key.body);
    registerSecret((key.json() as { key: string }).key);
    const ids = await t.app.inject({ method: 'GET', url: '/v1/users/me/identities', headers: bearer(owner.access) });
    assert.equal(ids.statusCode, 200, ids.body);
  });
});
