/**
 * The opt-in shared-secret issuer: jose-signed tokens, valid and hostile, through the whole
 * pipeline (`POST /v1/auth/check`), and ours judged against jose's own verification.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { jwtVerify, SignJWT } from 'jose';
import { bearer, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const SECRET = 'shared-secret-for-tests-0123456789abcdef';
const secret = new TextEncoder().encode(SECRET);

describe('shared-secret issuer', () => {
  let t: TestApp;
  let orgId = '';
  const now = () => Math.floor(t.clock.now() / 1000);

  before(async () => {
    registerSecret(SECRET);
    t = await createTestApp('sqlite', {
      authMode: 'all',
      jwtSharedSecret: SECRET,
      jwtSharedSecretAlgorithms: ['HS256', 'HS384'],
      jwtSharedSecretOrganization: 'claim:tenant',
    });
    const owner = await registerOrg(t, 'acme');
    orgId = owner.orgId;
    // The decision API only affirms memory spaces the organization has.
    for (const name of ['a', 'b', 'tenant_acme']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/acme/memory-spaces',
        headers: bearer(owner.access),
        payload: { name },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
  });
  after(async () => t.close());

  const sign = (claims: Record<string, unknown>, alg = 'HS256', exp: number | null = 600) => {
    const jwt = new SignJWT({ sub: 'svc', tenant: 'acme', ...claims }).setProtectedHeader({ alg }).setIssuedAt(now());
    if (exp !== null) jwt.setExpirationTime(now() + exp);
    return jwt.sign(secret);
  };
  const check = (token: string, body: Record<string, unknown> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(token), payload: body });

  test('valid tokens map permissions, memory_spaces and the organization claim; ours agrees with jose', async () => {
    for (const alg of ['HS256', 'HS384']) {
      const token = await sign({ permissions: ['contexts:read'], memory_spaces: ['a', 'b'] }, alg);
      const res = await check(token, { required_scopes: ['contexts:read'], memory_space: 'b' });
      assert.equal(res.statusCode, 200, res.body);
      const p = res.json().principal;
      assert.equal(p.kind, 'external');
      assert.equal(p.organization_id, orgId);
      assert.deepEqual(p.memory_spaces, ['a', 'b']);
      await jwtVerify(token, secret, { algorithms: [alg], currentDate: new Date(t.clock.now()) });
    }
  });

  test('hostile tokens are refused by both: none, another algorithm family, a wrong secret, no exp, expired', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString('base64url');
    const claims = { sub: 'svc', tenant: 'acme', exp: now() + 600 };
    // [name, token, our error, whether jose (HS256/HS384, exp required) refuses it too]
    const cases: [string, string, string, boolean][] = [
      ['none', `${b64({ alg: 'none' })}.${b64(claims)}.`, 'invalid_token', true],
      ['HS512 not allowed', await sign({}, 'HS512'), 'unsupported_algorithm', true],
      [
        'RS256 to the HMAC issuer',
        await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey),
        'unsupported_algorithm',
        true,
      ],
      [
        'wrong secret',
        await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(40))),
        'invalid_token',
        true,
      ],
      ['no exp', await sign({}, 'HS256', null), 'invalid_token', true],
      ['expired', await sign({}, 'HS256', -3600), 'token_expired', true],
      // Well signed, refused by the mapping: jose has no opinion on those.
      ['unknown organization', await sign({ tenant: 'globex' }), 'invalid_token', false],
      ['an iss where none is configured', await sign({ iss: 'https://elsewhere.example' }), 'invalid_issuer', false],
    ];
    for (const [name, token, error, joseRefuses] of cases) {
      const res = await check(token);
      assert.equal(res.statusCode, 401, name);
      assert.equal(res.json().error, error, name);
      const jose = jwtVerify(token, secret, {
        algorithms: ['HS256', 'HS384'],
        requiredClaims: ['exp'],
        currentDate: new Date(t.clock.now()),
      });
      if (joseRefuses) await assert.rejects(jose, name);
      else await jose;
    }
  });

  test('memory_space_id scopes the token to that one space; a wrong type scopes it to none', async () => {
    const one = await sign({ memory_space_id: 'tenant_acme', permissions: ['read'] });
    assert.equal((await check(one)).json().memory_space, 'tenant_acme');
    assert.equal((await check(one, { memory_space: 'other' })).statusCode, 403);
    const odd = await sign({ memory_space_id: 42 });
    assert.deepEqual((await check(odd)).json().principal.memory_spaces, []);
  });

  test('the token auth mode refuses them', async () => {
    const strict = await createTestApp('sqlite', { authMode: 'token', jwtSharedSecret: SECRET });
    try {
      await registerOrg(strict, 'acme');
      const token = await new SignJWT({ sub: 'svc' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime(Math.floor(strict.clock.now() / 1000) + 60)
        .sign(secret);
      const res = await strict.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(token) });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error, 'credential_kind_not_allowed');
    } finally {
      await strict.close();
    }
  });
});
