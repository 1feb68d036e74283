/**
 * What an external issuer puts in a token is not ours to trust byte for byte: a `sub` with CR/LF or
 * non-ASCII still gives a writable `X-Gatehouse-Subject`, and a memory space from a claim is echoed
 * only when it follows the naming rule and exists.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bearer, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { TestIdp } from './idp.ts';

const idp = new TestIdp();
let t: TestApp;

before(async () => {
  await idp.start();
  t = await createTestApp('sqlite', {
    authMode: 'all',
    issuers: [{ issuer: idp.issuer, audience: 'urn:api', algorithms: ['RS256'], organization: 'claim:org', memorySpacesClaim: 'spaces' }],
  });
  const owner = await registerOrg(t, 'ext-org');
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/organizations/ext-org/memory-spaces',
    headers: bearer(owner.access),
    payload: { name: 'tenant_ext' },
  });
  assert.equal(res.statusCode, 201, res.body);
});
after(async () => {
  await t.close();
  await idp.stop();
});

async function check(claims: Record<string, unknown>, payload: object = {}) {
  const token = await idp.sign({ org: 'ext-org', scope: 'contexts:read', ...claims }, { now: t.clock.now() });
  registerSecret(token);
  return t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { authorization: `Bearer ${token}` }, payload });
}

test('an external sub with CR/LF, NUL or non-ASCII: 200 with the subject percent-encoded in the header', async () => {
  for (const sub of ['jöe', 'a\r\nInjected: yes', 'nul\u0000sub', 'x\ud800']) {
    const res = await check({ sub, spaces: ['tenant_ext'] });
    assert.equal(res.statusCode, 200, `${JSON.stringify(sub)}: ${res.body}`);
    const header = String(res.headers['x-gatehouse-subject']);
    assert.match(header, /^[\x21-\x7e]+$/);
    assert.equal(res.headers.injected, undefined);
  }
  const plain = await check({ sub: 'ext-user-1', spaces: ['tenant_ext'] });
  assert.equal(plain.headers['x-gatehouse-subject'], 'ext-user-1');
  assert.equal(plain.headers['x-gatehouse-memory-space'], 'tenant_ext');
});

test('a single space from a claim that is malformed or missing: 403, never echoed', async () => {
  for (const spaces of [['../../x'], ['a\r\nb'], ['nope']]) {
    const res = await check({ spaces });
    assert.equal(res.statusCode, 403, `${JSON.stringify(spaces)}: ${res.body}`);
    assert.equal(res.json().error, 'memory_space_forbidden');
    assert.equal(res.headers['x-gatehouse-memory-space'], undefined);
  }
});
