/**
 * The security matrix, applied to EVERY route that runs the authentication pipeline (the list
 * comes from the app itself, so a new protected route cannot escape it): no credential, garbage,
 * an expired token, a revoked token, a token for another audience, a token from an unknown issuer,
 * an unknown signing key, another organization's credential, and a credential without the scope.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config/index.ts';
import { ALIASES } from '../../src/http/routes/compat/aliases.ts';
import { createTokenService } from '../../src/tokens/service.ts';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const NATIVE_SCOPE_FREE = [
  '/v1/forward-auth',
  '/v1/forward-auth/*',
  '/v1/auth/check',
  '/v1/auth/validate',
  '/v1/auth/me',
  '/v1/auth/logout',
  '/v1/auth/password',
];
/** Compatibility aliases run their native route, so they are scope-free exactly when it is. */
const SCOPE_FREE = new Set([...NATIVE_SCOPE_FREE, ...ALIASES.filter((a) => NATIVE_SCOPE_FREE.includes(a.native)).map((a) => a.path)]);

for (const backend of BACKENDS) {
  describe(`security matrix over every protected route (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    let b: Registered;
    let keyId = '';
    let narrowKey = '';
    /** Every scope, but only memory space `tenant_b` of alpha. */
    let boundKey = '';
    const ids: Record<string, string> = {};

    before(async () => {
      t = await createTestApp(backend);
      a = await registerOrg(t, 'alpha');
      t.clock.advance(1); // alpha is the first (operator) organization: it may manage signing keys
      b = await registerOrg(t, 'beta');
      const k = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(a.access),
        payload: { name: 'k', scopes: ['contexts:read'] },
      });
      keyId = k.json().id;
      registerSecret(k.json().key);
      const n = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(a.access),
        payload: { name: 'n', scopes: ['nothing:here'] },
      });
      narrowKey = n.json().key;
      registerSecret(narrowKey);
      const s = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/memory-spaces',
        headers: bearer(a.access),
        payload: { name: 'tenant_a' },
      });
      ids.space = s.json().id;
      await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/memory-spaces',
        headers: bearer(a.access),
        payload: { name: 'tenant_b' },
      });
      const bound = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(a.access),
        payload: { name: 'bound', scopes: ['*'], memory_spaces: ['tenant_b'] },
      });
      assert.equal(bound.statusCode, 201, bound.body);
      boundKey = bound.json().key;
      registerSecret(boundKey);
      const inv = await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/invitations',
        headers: bearer(a.access),
        payload: { email: 'i@example.com', role: 'member' },
      });
      ids.invitation = inv.json().id;
      registerSecret(inv.json().token);
    });
    after(() => t.close());

    /** The route's URL with its parameters filled with objects of organization alpha. */
    function urlFor(route: string): string {
      return route
        .replace(':org', 'alpha')
        .replace(':user_id', a.userId)
        .replace(':space', ids.space ?? 'x')
        .replace(':id', route.includes('invitations') ? (ids.invitation ?? 'x') : keyId);
    }

    async function each(fn: (method: string, url: string, route: string) => Promise<void>): Promise<void> {
      assert.ok(t.app.protectedRoutes.length >= 25, `only ${t.app.protectedRoutes.length} protected routes found`);
      for (const r of t.app.protectedRoutes) await fn(r.method, urlFor(r.url), r.url);
    }

    const send = (method: string, url: string, headers: Record<string, string>) =>
      t.app.inject({ method: method as 'GET', url, headers, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }) });

    test('no credential, an empty Bearer or Basic: 401 with a bare Bearer challenge', async () => {
      await each(async (method, url) => {
        const variants: Record<string, string>[] = [{}, { authorization: 'Bearer' }, { authorization: 'Basic dXNlcjpwYXNz' }];
        for (const headers of variants) {
          const res = await send(method, url, headers);
          assert.equal(res.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}`);
          assert.equal(res.headers['www-authenticate'], 'Bearer realm="gatehouse"', `${method} ${url}`);
          assert.equal(res.json().code, 'ERR-4001');
        }
      });
    });

    test('garbage, unknown issuer, unknown signing key, other audience: 401 invalid_token with the reason', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const now = Math.floor(t.clock.now() / 1000);
      const claims = { sub: a.userId, org_id: a.orgId, scope: '*', jti: 'x', client_id: 'x' };
      const foreignIssuer = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k' })
        .setIssuer('https://evil.example')
        .setAudience('gatehouse')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey);
      const unknownKid = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k' })
        .setIssuer(t.config.issuer)
        .setAudience('gatehouse')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey);
      const otherAudience = createTokenService({
        ...t.services,
        config: loadConfig({ env: {}, overrides: { ...t.config, audience: 'another-api' } }),
        isSessionRevoked: async () => false,
      });
      const wrongAud = (await otherAudience.issueAccessToken({ subject: a.userId, organizationId: a.orgId, role: 'owner', scopes: ['*'] }))
        .token;
      const cases: [string, string, RegExp][] = [
        ['Bearer garbage', 'invalid_token', /error="invalid_token"/],
        [`Bearer ${foreignIssuer}`, 'invalid_issuer', /error_description="Invalid issuer"/],
        [`Bearer ${unknownKid}`, 'unknown_signing_key', /error_description="Unable to find matching public key"/],
        [`Bearer ${wrongAud}`, 'invalid_audience', /error_description="Invalid audience"/],
        ['Api-Key sk_live_0000000000000000000000000000000000000000000', 'api_key_invalid', /error="invalid_token"/],
      ];
      await each(async (method, url) => {
        for (const [authorization, error, challenge] of cases) {
          const res = await send(method, url, { authorization });
          assert.equal(res.statusCode, 401, `${method} ${url} ${error}`);
          assert.equal(res.json().error, error, `${method} ${url}`);
          assert.match(String(res.headers['www-authenticate']), challenge);
        }
      });
    });

    test("another organization's credential: 404 (like a missing object) on every route that names an object of alpha", async () => {
      await each(async (method, url, route) => {
        if (!route.includes(':')) return;
        const res = await send(method, url, bearer(b.access));
        // An empty body may fail validation first; that says nothing about alpha's objects.
        if (res.statusCode === 400 && res.json().error === 'validation_failed' && method !== 'GET' && method !== 'DELETE') return;
        assert.equal(res.statusCode, 404, `${method} ${url}`);
        assert.equal(res.json().error, 'not_found');
      });
    });

    test('a credential without the scope: 403 insufficient_scope (400 when the body is checked first)', async () => {
      await each(async (method, url, route) => {
        if (SCOPE_FREE.has(route)) return;
        const res = await send(method, url, { 'x-api-key': narrowKey });
        if (res.statusCode === 400 && method !== 'GET' && method !== 'DELETE') return;
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body.slice(0, 120)}`);
        assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope", error_description="[^"]+", scope="/);
      });
    });

    test('a space outside the credential: 403 memory_space_forbidden on every route that names a space', async () => {
      let checked = 0;
      await each(async (method, url, route) => {
        if (!route.includes(':space')) return;
        checked++;
        // tenant_a exists in alpha; the key may act in tenant_b only.
        const res = await send(method, url, { 'x-api-key': boundKey });
        if (res.statusCode === 400 && res.json().error === 'validation_failed' && method !== 'GET' && method !== 'DELETE') {
          const named = await t.app.inject({
            method: method as 'PATCH',
            url,
            headers: { 'x-api-key': boundKey },
            payload: { description: 'x' },
          });
          assert.equal(named.statusCode, 403, `${method} ${url}: ${named.body.slice(0, 160)}`);
          return;
        }
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body.slice(0, 160)}`);
        assert.equal(res.json().error, 'memory_space_forbidden');
      });
      assert.ok(checked >= 3, `only ${checked} routes name a memory space`);
      // The key's own space works, and listing shows only the spaces the key is bound to.
      const own = await t.app.inject({
        method: 'GET',
        url: '/v1/organizations/alpha/memory-spaces/tenant_b',
        headers: { 'x-api-key': boundKey },
      });
      assert.equal(own.statusCode, 200);
      const list = await t.app.inject({ method: 'GET', url: '/v1/organizations/alpha/memory-spaces', headers: { 'x-api-key': boundKey } });
      assert.deepEqual(
        list.json().data.map((x: { name: string }) => x.name),
        ['tenant_b'],
      );
      // The decision API: a space named in the body or the header.
      for (const req of [
        { payload: { memory_space: 'tenant_a' }, headers: { 'x-api-key': boundKey } },
        { payload: {}, headers: { 'x-api-key': boundKey, 'x-memory-space': 'tenant_a' } },
      ]) {
        const res = await t.app.inject({ method: 'POST', url: '/v1/auth/check', ...req });
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().error, 'memory_space_forbidden');
      }
      // Nothing changed: both spaces still exist under their names.
      for (const name of ['tenant_a', 'tenant_b']) {
        const res = await t.app.inject({ method: 'GET', url: `/v1/organizations/alpha/memory-spaces/${name}`, headers: bearer(a.access) });
        assert.equal(res.json().name, name);
      }
    });

    test('revoked and expired API keys: 401 api_key_revoked / api_key_expired with the reason, everywhere', async () => {
      const make = async (payload: object) => {
        const res = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(a.access), payload });
        assert.equal(res.statusCode, 201, res.body);
        registerSecret(res.json().key);
        return res.json() as { id: string; key: string };
      };
      const revoked = await make({ name: 'revoked', scopes: ['*'] });
      const expiring = await make({ name: 'expiring', scopes: ['*'], expires_in_days: 1 });
      assert.equal(
        (await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${revoked.id}`, headers: bearer(a.access) })).statusCode,
        200,
      );
      const cases: [string, string, RegExp][] = [
        [revoked.key, 'api_key_revoked', /error="invalid_token", error_description="API key has been revoked"/],
        [expiring.key, 'api_key_expired', /error="invalid_token", error_description="API key has expired"/],
      ];
      const saved = t.clock.now();
      t.clock.advance(86_400_000 + 1);
      try {
        await each(async (method, url) => {
          for (const [key, error, challenge] of cases) {
            const res = await send(method, url, { 'x-api-key': key });
            assert.equal(res.statusCode, 401, `${method} ${url} ${error}`);
            assert.equal(res.json().error, error, `${method} ${url}`);
            assert.match(String(res.headers['www-authenticate']), challenge);
          }
        });
      } finally {
        // The later tests count from the original time (their tokens were issued then).
        t.clock.set(saved);
      }
    });

    test('expired and revoked tokens: 401 token_expired / token_revoked everywhere', async () => {
      const logout = await registerOrg(t);
      await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(logout.access) });
      await each(async (method, url) => {
        const res = await send(method, url, bearer(logout.access));
        assert.equal(res.statusCode, 401, `${method} ${url}`);
        assert.equal(res.json().error, 'token_revoked');
      });
      t.clock.advance(16 * 60_000);
      await each(async (method, url) => {
        const res = await send(method, url, bearer(a.access));
        assert.equal(res.statusCode, 401, `${method} ${url}`);
        assert.equal(res.json().error, 'token_expired');
        assert.match(String(res.headers['www-authenticate']), /error_description="Token has expired"/);
      });
    });
  });
}
