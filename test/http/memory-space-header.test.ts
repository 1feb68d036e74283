/** `X-Memory-Space` names the space a request acts in, on every protected route. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { bearer, createKey, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

let t: TestApp | undefined;
after(() => t?.close());

test('a space outside the credential is a 403 on any protected route; inside it, the request goes on', async () => {
  t = await createTestApp('sqlite');
  const app = t;
  const owner = await registerOrg(app);
  for (const name of ['tenant_acme', 'tenant_other']) {
    const res = await app.app.inject({
      method: 'POST',
      url: `/v1/organizations/${owner.slug}/memory-spaces`,
      headers: bearer(owner.access),
      payload: { name },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
  const { key } = await createKey(app, owner.access, { name: 'bound', scopes: ['*'], memory_spaces: ['tenant_acme'] });
  const me = (space?: string) =>
    app.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { 'x-api-key': key, ...(space ? { 'x-memory-space': space } : {}) } });
  assert.equal((await me()).statusCode, 200);
  assert.equal((await me('tenant_acme')).statusCode, 200);
  const outside = await me('tenant_other');
  assert.equal(outside.statusCode, 403);
  assert.equal(outside.json().error, 'memory_space_forbidden');
  const huge = await me('x'.repeat(6000));
  assert.equal(huge.statusCode, 400, 'a name longer than 64 breaks the naming rule');
  assert.equal(huge.json().error, 'invalid_memory_space_name');
  assert.ok(!huge.body.includes('xxxxxxxxxx'), 'a malformed header is not echoed back');
  for (const bad of ['a b', '../../x', 'é', 'a\u0000b']) {
    const res = await me(bad);
    assert.equal(res.statusCode, 400, `${JSON.stringify(bad)}: ${res.body}`);
    assert.equal(res.json().code, 'ERR-1052');
  }
  const list = await app.app.inject({
    method: 'GET',
    url: '/v1/api-keys',
    headers: { ...bearer(owner.access), 'x-memory-space': 'tenant_other' },
  });
  assert.equal(list.statusCode, 200, 'a credential bound to every space may name any of them');
});
