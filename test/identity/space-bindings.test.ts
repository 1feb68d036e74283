/** API keys name their memory spaces: a space with live keys bound to it cannot be renamed or deleted. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { bearer, createKey, registerOrg } from './support.ts';

for (const backend of BACKENDS) {
  describe(`memory-space bindings (${backend})`, () => {
    let t: TestApp | undefined;
    after(() => t?.close());

    test('rename and delete are 409 while a live key is bound; allowed once it is revoked; "*" keys follow', async () => {
      t = await createTestApp(backend);
      const app = t;
      const owner = await registerOrg(app);
      const spaces = `/v1/organizations/${owner.slug}/memory-spaces`;
      for (const name of ['tenant_acme', 'tenant_free']) {
        assert.equal(
          (await app.app.inject({ method: 'POST', url: spaces, headers: bearer(owner.access), payload: { name } })).statusCode,
          201,
        );
      }
      const key = await createKey(app, owner.access, { name: 'bound', scopes: ['*'], memory_spaces: ['tenant_acme'] });
      await createKey(app, owner.access, { name: 'all', scopes: ['*'] });

      const rename = await app.app.inject({
        method: 'PATCH',
        url: `${spaces}/tenant_acme`,
        headers: bearer(owner.access),
        payload: { name: 'tenant_renamed' },
      });
      assert.equal(rename.statusCode, 409);
      assert.equal(rename.json().code, 'ERR-2010');
      assert.match(rename.json().detail, new RegExp(key.id));
      const describeOnly = await app.app.inject({
        method: 'PATCH',
        url: `${spaces}/tenant_acme`,
        headers: bearer(owner.access),
        payload: { description: 'still fine' },
      });
      assert.equal(describeOnly.statusCode, 200, 'a description is no binding');
      assert.equal(
        (await app.app.inject({ method: 'DELETE', url: `${spaces}/tenant_acme`, headers: bearer(owner.access) })).statusCode,
        409,
      );
      assert.equal(
        (await app.app.inject({ method: 'DELETE', url: `${spaces}/tenant_free`, headers: bearer(owner.access) })).statusCode,
        204,
        'keys bound to every space do not pin one',
      );

      assert.equal(
        (await app.app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: bearer(owner.access) })).statusCode,
        200,
      );
      const renamed = await app.app.inject({
        method: 'PATCH',
        url: `${spaces}/tenant_acme`,
        headers: bearer(owner.access),
        payload: { name: 'tenant_renamed' },
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
    });
  });
}
