import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dictionary } from '@zxcvbn-ts/language-common';
import { passwordWeakness } from '../../src/credentials/password-policy.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { bearer, login, type Registered, registerOrg } from './support.ts';

const WEAK = ['password', '12345678', '        ', 'Password1', 'qwertyuiop', 'P@ssw0rd!', 'aaaaaaaa', 'abcdefgh', 'iloveyou1'];
/** The seeds', the README's and the test suites' passwords stay valid. */
const STRONG = [
  'SecurePass123!',
  'secure-password-123',
  'correct horse battery staple',
  'another long password',
  'a long password',
  'long enough pw',
  'bench password 123',
  'limits cli password',
  'user cli password',
  'a user password 1',
  'new person password',
  'a brand new password',
  'yet another password',
  'an owner password for the cli test',
  'whatever long',
];

describe('password policy (unit)', () => {
  test('the 3,000 most common passwords of 8 characters or more are refused', async () => {
    const top = dictionary['passwords-common'].slice(0, 3000).filter((p) => [...p].length >= 8);
    assert.ok(top.length > 500);
    const accepted: string[] = [];
    for (const p of top) if ((await passwordWeakness(p, {})) === undefined) accepted.push(p);
    assert.deepEqual(accepted, []);
  });

  test('weak and common patterns are refused; passphrases and the documented examples are accepted', async () => {
    for (const p of WEAK) assert.equal(await passwordWeakness(p, {}), 'common', JSON.stringify(p));
    for (const p of STRONG) assert.equal(await passwordWeakness(p, { email: 'ada@example.com' }), undefined, p);
  });

  test("a password made from the user's own identifiers is refused; one that merely contains one is not", async () => {
    const owner = { email: 'Ada.Lovelace@example.com', username: 'countess', name: 'Ada Lovelace', organizationName: 'Analytical Engines' };
    for (const p of [
      'ada.lovelace@example.com',
      'Ada.Lovelace@example.com',
      'ada.lovelace',
      'countess1',
      'analytical engines',
      'AdaLovelace!',
    ])
      assert.equal(await passwordWeakness(p, owner), 'own_identifier', p);
    assert.equal(
      await passwordWeakness('grace long password', { email: 'grace@example.com', username: 'grace', name: 'grace' }),
      undefined,
    );
  });

  test('a long password is judged on its first 64 characters, fast', async () => {
    const start = performance.now();
    assert.equal(await passwordWeakness(' '.repeat(256), {}), 'common');
    assert.equal(await passwordWeakness('a1!'.repeat(85), {}), 'common');
    assert.equal(await passwordWeakness(`correct horse battery staple ${'x'.repeat(200)}`, {}), undefined);
    assert.ok(performance.now() - start < 2000);
  });
});

for (const backend of BACKENDS) {
  describe(`password policy on every path that sets a password (${backend})`, () => {
    let t: TestApp;
    let owner: Registered;
    before(async () => {
      t = await createTestApp(backend);
      owner = await registerOrg(t);
    });
    after(() => t.close());

    function assertWeak(res: { statusCode: number; body: string; json(): { code: string; error: string } }, password: string) {
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, 'ERR-2050');
      assert.equal(res.json().error, 'weak_password');
      // The detail is one of two fixed sentences: it never repeats the password.
      assert.match(JSON.parse(res.body).detail, /^This password is (made from your own|on the list of common)[^"]*Use a longer passphrase/);
      if (password.trim() !== '' && password !== 'password') assert.ok(!res.body.includes(password), 'the password is never echoed');
    }

    test('user registration refuses password, 12345678, eight spaces and the own email; accepts passphrases', async () => {
      let i = 0;
      for (const password of ['password', '12345678', '        ']) {
        const email = `weak-${++i}@example.com`;
        assertWeak(await t.app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password } }), password);
      }
      const own = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'own.email@example.com', password: 'own.email@example.com' },
      });
      assertWeak(own, 'own.email@example.com');
      const byName = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'x1@example.com', username: 'mallory', password: 'mallory2024' },
      });
      assertWeak(byName, 'mallory2024');
      for (const password of ['SecurePass123!', 'secure-password-123', 'correct horse battery staple']) {
        registerSecret(password);
        const res = await t.app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: `ok-${++i}@example.com`, password } });
        assert.equal(res.statusCode, 201, res.body);
        registerSecret(res.json().tokens.refresh_token);
        registerSecret(res.json().tokens.access_token);
      }
      const grace = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { username: 'grace', email: 'grace@example.com', password: 'grace long password' },
      });
      assert.equal(grace.statusCode, 201, grace.body);
    });

    test('organization registration refuses the admin email and the organization name', async () => {
      const base = {
        organization_name: 'Toolmesh Labs',
        organization_slug: 'toolmesh',
        admin_email: 'admin@toolmesh.example',
        admin_name: 'Admin',
      };
      for (const password of ['admin@toolmesh.example', 'Toolmesh Labs', '12345678']) {
        assertWeak(
          await t.app.inject({ method: 'POST', url: '/v1/organizations/register', payload: { ...base, admin_password: password } }),
          password,
        );
      }
      const ok = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/register',
        payload: { ...base, admin_password: 'another long password' },
      });
      assert.equal(ok.statusCode, 201, ok.body);
      registerSecret(ok.json().api_key.key);
      registerSecret(ok.json().tokens.refresh_token);
    });

    test('password change and invitation acceptance refuse weak passwords too', async () => {
      const weakChange = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/password',
        headers: bearer(owner.access),
        payload: { current_password: owner.password, new_password: owner.email },
      });
      assertWeak(weakChange, owner.email);
      const common = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/password',
        headers: bearer(owner.access),
        payload: { current_password: owner.password, new_password: 'password1234' },
      });
      assertWeak(common, 'password1234');
      assert.equal((await login(t, owner.email, owner.password)).statusCode, 200, 'the password is unchanged');

      const inv = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${owner.slug}/invitations`,
        headers: bearer(owner.access),
        payload: { email: 'invited.person@example.com', role: 'member' },
      });
      assert.equal(inv.statusCode, 201, inv.body);
      registerSecret(inv.json().token);
      for (const password of ['invited.person', '12345678']) {
        const res = await t.app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token: inv.json().token, password } });
        assertWeak(res, password);
      }
      const ok = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations/accept',
        payload: { token: inv.json().token, password: 'secure-password-123' },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      registerSecret(ok.json().tokens.refresh_token);
    });
  });
}
