/**
 * The decision API affirms a memory space only when its name follows the rule (else 400) and the
 * organization has it (else 403); what it echoes in `X-Gatehouse-*` headers is always writable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';

const MALFORMED = ['a\r\nb', 'a\u0000b', 'é', 'tenant\u202E', '../../x', 'a b', 'x'.repeat(65), 'a/b', ''];

for (const backend of BACKENDS) {
  describe(`POST /v1/auth/check and /v1/api-keys/verify: memory spaces (${backend})`, () => {
    let t: TestApp;
    let owner: Registered;
    let star = '';
    let verifier = '';

    before(async () => {
      t = await createTestApp(backend);
      owner = await registerOrg(t);
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${owner.slug}/memory-spaces`,
        headers: bearer(owner.access),
        payload: { name: 'tenant_acme' },
      });
      assert.equal(res.statusCode, 201, res.body);
      star = (await createKey(t, owner.access, { name: 'star', scopes: ['*'] })).key;
      verifier = (await createKey(t, owner.access, { name: 'verifier', scopes: ['keys:verify'] })).key;
    });
    after(() => t.close());

    const check = (payload: object, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { 'x-api-key': star, ...headers }, payload });

    test('a malformed name in the body, the X-Memory-Space header or the path: 400 ERR-1052, never a 500, never echoed', async () => {
      for (const name of MALFORMED) {
        const asBody = name === '' ? null : await check({ memory_space: name });
        const asPath = await check({ path: `/v1/memory-spaces/${encodeURIComponent(name)}/x` });
        for (const res of [asBody, asPath]) {
          if (res === null || (name === '' && res === asPath)) continue;
          assert.equal(res.statusCode, 400, `${JSON.stringify(name)}: ${res.body}`);
          // NUL anywhere in a JSON body is refused before the schema runs (ERR-1001).
          const code = res === asBody && name.includes('\u0000') ? 'ERR-1001' : 'ERR-1052';
          assert.equal(res.json().code, code, `${JSON.stringify(name)}: ${res.body}`);
          assert.equal(res.headers['x-gatehouse-memory-space'], undefined);
        }
      }
      for (const name of ['é', 'a b', '../../x', 'x'.repeat(65), 'a\u0000b']) {
        const res = await check({}, { 'x-memory-space': name });
        assert.equal(res.statusCode, 400, `${JSON.stringify(name)}: ${res.body}`);
        assert.equal(res.json().code, 'ERR-1052');
      }
      const badEncoding = await check({ path: '/v1/memory-spaces/%E0%A4%A/x' });
      assert.equal(badEncoding.statusCode, 400, badEncoding.body);
    });

    test('a `*` credential and a space the organization does not have: 403 memory_space_forbidden, no header', async () => {
      for (const req of [{ payload: { memory_space: 'nope' } }, { payload: {}, headers: { 'x-memory-space': 'nope' } }]) {
        const res = await check(req.payload, req.headers);
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().error, 'memory_space_forbidden');
        assert.equal(res.headers['x-gatehouse-memory-space'], undefined);
      }
      // Another organization's space of the same name is not this one's.
      const other = await registerOrg(t);
      await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${other.slug}/memory-spaces`,
        headers: bearer(other.access),
        payload: { name: 'tenant_other' },
      });
      assert.equal((await check({ memory_space: 'tenant_other' })).statusCode, 403);
    });

    test('an existing space is allowed and echoed; the session credential gets the same answers', async () => {
      const res = await check({ memory_space: 'tenant_acme', required_scopes: ['contexts:read'] });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().memory_space, 'tenant_acme');
      assert.equal(res.headers['x-gatehouse-memory-space'], 'tenant_acme');
      const session = (memory_space: string) =>
        t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(owner.access), payload: { memory_space } });
      assert.equal((await session('tenant_acme')).statusCode, 200);
      assert.equal((await session('nope')).statusCode, 403);
      assert.equal((await session('a b')).statusCode, 400);
    });

    test('verify: a malformed space is a 400; an unknown one is valid: false with memory_space_forbidden', async () => {
      const verify = (memory_space: string) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/api-keys/verify',
          headers: { 'x-api-key': verifier },
          payload: { key: star, memory_space },
        });
      const bad = await verify('../../x');
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(bad.json().code, 'ERR-1052');
      const unknown = await verify('nope');
      assert.equal(unknown.statusCode, 200, unknown.body);
      assert.equal(unknown.json().valid, false);
      assert.equal(unknown.json().error, 'memory_space_forbidden');
      const known = await verify('tenant_acme');
      assert.equal(known.json().valid, true);
      assert.equal(known.json().memory_space, 'tenant_acme');
    });
  });
}
