/**
 * Request fields other systems send, on the native routes: `organization_id`/`tenant_id` and
 * `memory_space_id` in key creation, `memory_space_id` in the decision API, and an empty JSON body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

for (const backend of BACKENDS) {
  describe(`compatibility request fields (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    let b: Registered;

    before(async () => {
      t = await createTestApp(backend);
      a = await registerOrg(t, 'alpha');
      b = await registerOrg(t, 'beta');
      const space = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/memory-spaces',
        headers: bearer(a.access),
        payload: { name: 'tenant_acme' },
      });
      assert.equal(space.statusCode, 201, space.body);
    });
    after(async () => t.close());

    const create = (body: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(a.access),
        payload: { name: 'k', scopes: ['contexts:read'], ...body },
      });

    test('organization_id or tenant_id: the own organization by id or slug; another or unknown is a 404', async () => {
      for (const body of [{ organization_id: a.orgId }, { tenant_id: 'alpha' }, { organization_id: 'alpha', tenant_id: a.orgId }]) {
        const res = await create(body);
        assert.equal(res.statusCode, 201, JSON.stringify(body));
        registerSecret(res.json().key);
        assert.equal(res.json().organization_id, a.orgId);
      }
      for (const body of [{ organization_id: b.orgId }, { tenant_id: 'beta' }, { organization_id: 'nope' }]) {
        const res = await create(body);
        assert.equal(res.statusCode, 404, JSON.stringify(body));
        assert.equal(res.json().detail, 'Organization not found');
      }
      const both = await create({ organization_id: 'alpha', tenant_id: 'beta' });
      assert.equal(both.statusCode, 404, 'each must be the caller’s');
    });

    test('memory_space_id is one memory space; it may not contradict memory_spaces', async () => {
      const one = await create({ memory_space_id: 'tenant_acme' });
      assert.equal(one.statusCode, 201, one.body);
      registerSecret(one.json().key);
      assert.deepEqual(one.json().memory_spaces, ['tenant_acme']);
      assert.equal((await create({ memory_space_id: 'tenant_acme', memory_spaces: ['tenant_acme'] })).statusCode, 201);
      assert.equal((await create({ memory_space_id: 'tenant_acme', memory_spaces: '*' })).statusCode, 400);
      assert.equal((await create({ memory_space_id: 'missing' })).statusCode, 400, 'an unknown space, as with memory_spaces');
      assert.equal((await create({ tenant: 'alpha' })).statusCode, 400, 'undocumented properties stay refused');
    });

    test('/v1/auth/check takes memory_space_id like memory_space', async () => {
      const key = await create({ memory_space_id: 'tenant_acme' });
      registerSecret(key.json().key);
      const check = (payload: Record<string, unknown>) =>
        t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { 'x-api-key': key.json().key }, payload });
      assert.equal((await check({ memory_space_id: 'tenant_acme' })).json().memory_space, 'tenant_acme');
      assert.equal((await check({ memory_space_id: 'elsewhere' })).statusCode, 403);
      assert.equal((await check({ memory_space_id: 'tenant_acme', memory_space: 'elsewhere' })).statusCode, 400);
    });

    test('an empty body with Content-Type: application/json is {}; malformed JSON is still ERR-1002', async () => {
      const empty = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/validate',
        headers: { ...bearer(a.access), 'content-type': 'application/json' },
        payload: '',
      });
      assert.equal(empty.statusCode, 200, empty.body);
      const bad = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/check',
        headers: { ...bearer(a.access), 'content-type': 'application/json' },
        payload: ' ',
      });
      assert.equal(bad.json().code, 'ERR-1002', 'only an empty body is {}');
    });
  });
}
