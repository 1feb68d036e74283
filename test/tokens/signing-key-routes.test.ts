import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

/** Signing keys are server-wide: only the operator organization (the first one) manages them. */
for (const backend of BACKENDS) {
  describe(`signing-key routes (${backend})`, () => {
    let t: TestApp;
    let operator: Registered;
    let tenant: Registered;

    before(async () => {
      t = await createTestApp(backend);
      operator = await registerOrg(t, 'operator');
      t.clock.advance(1); // the operator organization is the first one created
      tenant = await registerOrg(t, 'tenant');
    });
    after(() => t.close());

    const kids = async () => (await t.services.tokens.listSigningKeys()).map((k) => k.kid);

    test('the operator organization lists and rotates; the old key stays published', async () => {
      const list = await t.app.inject({ method: 'GET', url: '/v1/signing-keys', headers: bearer(operator.access) });
      assert.equal(list.statusCode, 200, list.body);
      const [before] = list.json().data as { kid: string; status: string }[];
      assert.equal(before?.status, 'active');
      const rotated = await t.app.inject({ method: 'POST', url: '/v1/signing-keys/rotate', headers: bearer(operator.access) });
      assert.equal(rotated.statusCode, 201, rotated.body);
      assert.equal(rotated.json().status, 'active');
      assert.notEqual(rotated.json().kid, before?.kid);
      const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: { kid: string }[] };
      assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [rotated.json().kid, before?.kid].sort());
      // A token signed before the rotation still works.
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(operator.access) })).statusCode, 200);
    });

    test('any other tenant — even its owner — gets 403 and changes nothing; so does a key of the operator without the scope', async () => {
      const before = await kids();
      for (const [method, url] of [
        ['GET', '/v1/signing-keys'],
        ['POST', '/v1/signing-keys/rotate'],
      ] as const) {
        const res = await t.app.inject({ method, url, headers: bearer(tenant.access) });
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
        assert.equal(res.json().error, 'insufficient_role');
      }
      const key = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(operator.access),
        payload: { name: 'reader', scopes: ['contexts:read'] },
      });
      registerSecret(key.json().key);
      const res = await t.app.inject({ method: 'POST', url: '/v1/signing-keys/rotate', headers: { 'x-api-key': key.json().key } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error, 'insufficient_scope');
      assert.deepEqual(await kids(), before);
    });
  });
}
