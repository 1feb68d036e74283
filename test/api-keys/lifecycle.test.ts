import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKey, parseKey } from '../../src/credentials/api-keys/format.ts';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

describe('key format', () => {
  test('prefix, environment, 39-character body, checksum; typos are caught without storage', () => {
    const key = generateKey('sk', 'live');
    assert.match(key, /^sk_live_[0-9A-Za-z]{39}$/);
    assert.deepEqual(parseKey(key, 'sk'), { environment: 'live', displayPrefix: key.slice(0, 12), lastFour: key.slice(-4) });
    const typo = `${key.slice(0, 20)}${key[20] === 'a' ? 'b' : 'a'}${key.slice(21)}`;
    assert.equal(parseKey(typo, 'sk'), undefined);
    assert.equal(parseKey(`${key}x`, 'sk'), undefined);
    assert.equal(parseKey(key.replace('sk_', 'ek_'), 'sk'), undefined);
    assert.match(generateKey('sk', 'test'), /^sk_test_/);
    const mesh = generateKey('devmesh_', 'live');
    assert.match(mesh, /^devmesh_[0-9A-Za-z]{39}$/);
    assert.equal(parseKey(mesh, 'devmesh_')?.environment, undefined);
    assert.match(generateKey('ek', 'live'), /^ek_live_/);
  });
});

for (const backend of BACKENDS) {
  describe(`API keys (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    let b: Registered;
    let adminKey: string;
    let bKey: string;
    const create = (cred: string, payload: object) =>
      t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { 'x-api-key': cred }, payload });
    const check = (cred: string, headers: Record<string, string> = { 'x-api-key': cred }) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/check', headers, payload: {} });

    before(async () => {
      t = await createTestApp(backend);
      a = await registerOrg(t, 'alpha');
      b = await registerOrg(t, 'beta');
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(a.access),
        payload: { name: 'admin', scopes: ['*'] },
      });
      adminKey = res.json().key;
      registerSecret(adminKey);
      const resB = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(b.access),
        payload: { name: 'admin', scopes: ['*'] },
      });
      bKey = resB.json().key;
      registerSecret(bKey);
    });
    after(() => t.close());

    async function newKey(payload: object = {}): Promise<{ id: string; key: string }> {
      const res = await create(adminKey, { name: 'svc', scopes: ['contexts:read'], ...payload });
      assert.equal(res.statusCode, 201, res.body);
      registerSecret(res.json().key);
      return { id: res.json().id, key: res.json().key };
    }

    test('created once: the key is in the create response only; stored as a hash', async () => {
      const { id, key } = await newKey();
      const got = await t.app.inject({ method: 'GET', url: `/v1/api-keys/${id}`, headers: { 'x-api-key': adminKey } });
      assert.equal(got.statusCode, 200);
      assert.ok(!got.body.includes(key));
      assert.equal(got.json().masked_key, `${key.slice(0, 12)}…${key.slice(-4)}`);
      const list = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: { 'x-api-key': adminKey } });
      assert.ok(!list.body.includes(key));
      const rows = await t.services.storage.db.selectFrom('api_keys').selectAll().execute();
      assert.ok(rows.every((r) => !JSON.stringify(r).includes(key)));
    });

    test('bad input: unknown rate-limit tier, control characters, wrong types — 400, nothing stored', async () => {
      const count = async () =>
        Number(
          (
            await t.services.storage.db
              .selectFrom('api_keys')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      const cases: [object, RegExp][] = [
        [{ name: 'x', scopes: ['contexts:read'], rate_limit: 'no-such-tier' }, /unknown tier "no-such-tier"/],
        [{ name: 'a\u0000b', scopes: ['contexts:read'] }, /body\/name/],
        [{ name: 'line\nbreak', scopes: ['contexts:read'] }, /body\/name/],
        [{ name: 'x', description: 'bell\u0007', scopes: ['contexts:read'] }, /body\/description/],
        [{ name: 'x', scopes: 'contexts:read' }, /body\/scopes/],
        [{ name: 'x', scopes: ['contexts:read'], expires_in_days: 1.5 }, /expires_in_days/],
        [{ name: 'x', scopes: ['contexts:read'], expires_at: '2001-01-01T00:00:00Z' }, /in the future/],
        [{ name: 'x', scopes: ['contexts:read'], allowed_cidrs: ['999.1.1.1/33'] }, /allowed_cidrs/],
      ];
      for (const [payload, detail] of cases) {
        const res = await create(adminKey, payload);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
        // A name with a control character is refused by the shared name check (invalid_name, ERR-1051).
        assert.match(res.json().error, /^(validation_failed|invalid_name)$/);
        assert.match(res.json().detail, detail);
      }
      assert.equal(await count(), before);
      const { id } = await newKey({ description: 'two\nlines\tand a tab' });
      const patch = await t.app.inject({
        method: 'PATCH',
        url: `/v1/api-keys/${id}`,
        headers: { 'x-api-key': adminKey },
        payload: { name: 'nul\u0000' },
      });
      assert.equal(patch.statusCode, 400);
      const tiered = await createTestApp(backend, { rateLimitTiers: { gold: { requests_per_minute: 6000 } } });
      try {
        const owner = await registerOrg(tiered, 'tiered');
        const ok = await tiered.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: bearer(owner.access),
          payload: { name: 'gold', scopes: ['contexts:read'], rate_limit: 'gold' },
        });
        assert.equal(ok.statusCode, 201, ok.body);
        registerSecret(ok.json().key);
        assert.equal(ok.json().rate_limit, 'gold');
      } finally {
        await tiered.close();
      }
    });

    test('ten concurrent rotations of one key: exactly one new key, the others a 409', async () => {
      const { id } = await newKey();
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.app.inject({ method: 'POST', url: `/v1/api-keys/${id}/rotate`, headers: { 'x-api-key': adminKey }, payload: {} }),
        ),
      );
      const won = results.filter((r) => r.statusCode === 201);
      for (const r of won) registerSecret(r.json().key);
      assert.equal(won.length, 1, results.map((r) => r.statusCode).join(','));
      assert.ok(results.every((r) => r.statusCode === 201 || r.json().error === 'api_key_already_rotated'));
      const successors = await t.services.storage.db.selectFrom('api_keys').select('id').where('rotated_from', '=', id).execute();
      assert.equal(successors.length, 1);
    });

    test('accepted as X-API-Key, Bearer and Api-Key', async () => {
      const { key } = await newKey();
      for (const headers of [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }, { authorization: `api-key ${key}` }] as Record<
        string,
        string
      >[]) {
        const res = await check(key, headers);
        assert.equal(res.statusCode, 200);
        assert.equal(res.json().principal.kind, 'api_key');
      }
    });

    test('failures: unknown, bad checksum, expired, revoked, wrong environment, IP not allowed', async () => {
      const { key } = await newKey();
      const codes = async (cred: string) => {
        const res = await check(cred);
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['www-authenticate']), /^Bearer realm="gatehouse", error="invalid_token", error_description="/);
        return res.json().error;
      };
      assert.equal(await codes(generateKey('sk', 'live')), 'api_key_invalid');
      assert.equal(await codes(`${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`), 'api_key_invalid');
      const test = await create(adminKey, { name: 't', scopes: ['contexts:read'], environment: 'test' });
      registerSecret(test.json().key);
      assert.equal(await codes(test.json().key), 'api_key_wrong_environment');
      const fenced = await newKey({ allowed_cidrs: ['10.0.0.0/8', '2001:db8::/32'] });
      assert.equal(await codes(fenced.key), 'api_key_ip_not_allowed');
      const inside = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/check',
        headers: { 'x-api-key': fenced.key },
        remoteAddress: '10.1.2.3',
        payload: {},
      });
      assert.equal(inside.statusCode, 200);
      const expiring = await newKey({ expires_in_days: 1 });
      assert.equal((await check(expiring.key)).statusCode, 200);
      t.clock.advance(86_400_000);
      assert.equal(await codes(expiring.key), 'api_key_expired');
      const gone = await newKey();
      assert.equal((await check(gone.key)).statusCode, 200, 'cached now');
      const del = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${gone.id}`, headers: { 'x-api-key': adminKey } });
      assert.equal(del.statusCode, 200);
      assert.equal(del.json().state, 'revoked');
      assert.equal(await codes(gone.key), 'api_key_revoked', 'revocation invalidates the cache at once');
      assert.equal((await check(key)).statusCode, 200);
    });

    test('rotation: the old key works until the grace period ends, not a millisecond longer; a second rotation is 409', async () => {
      const { id, key } = await newKey({ metadata: { team: 'x' }, expires_in_days: 30 });
      const rot = await t.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${id}/rotate`,
        headers: { 'x-api-key': adminKey },
        payload: { grace_period_seconds: 60 },
      });
      assert.equal(rot.statusCode, 201, rot.body);
      const fresh = rot.json();
      registerSecret(fresh.key);
      assert.deepEqual(fresh.scopes, ['contexts:read']);
      assert.deepEqual(fresh.metadata, { team: 'x' });
      assert.equal(fresh.rotated_from, id);
      t.clock.advance(59_999);
      assert.equal((await check(key)).statusCode, 200);
      t.clock.advance(1);
      assert.equal((await check(key)).json().error, 'api_key_revoked');
      assert.equal((await check(fresh.key)).statusCode, 200);
      const again = await t.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${id}/rotate`,
        headers: { 'x-api-key': adminKey },
        payload: {},
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error, 'api_key_already_rotated');
      const now = await t.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${fresh.id}/rotate`,
        headers: { 'x-api-key': adminKey },
        payload: {},
      });
      registerSecret(now.json().key);
      assert.equal((await check(fresh.key)).json().error, 'api_key_revoked', 'grace 0 ends the old key at once');
    });

    test('scope escalation is refused on create and update; narrowing is allowed', async () => {
      const { id, key } = await newKey({ scopes: ['contexts:*'] });
      const wider = await create(key, { name: 'x', scopes: ['tools:execute'] });
      assert.equal(wider.statusCode, 403);
      const narrowKey = await create(key, { name: 'x', scopes: ['contexts:read'] });
      assert.equal(narrowKey.statusCode, 403, 'keys:write is needed to create keys at all');
      const writer = await newKey({ scopes: ['keys:write', 'contexts:read'] });
      const esc = await create(writer.key, { name: 'x', scopes: ['contexts:write'] });
      assert.equal(esc.statusCode, 403);
      assert.equal(esc.json().error, 'scope_escalation');
      const ok = await create(writer.key, { name: 'x', scopes: ['contexts:read'] });
      assert.equal(ok.statusCode, 201);
      registerSecret(ok.json().key);
      const widen = await t.app.inject({
        method: 'PATCH',
        url: `/v1/api-keys/${id}`,
        headers: { 'x-api-key': adminKey },
        payload: { scopes: ['*'] },
      });
      assert.equal(widen.json().error, 'scope_escalation');
      const narrow = await t.app.inject({
        method: 'PATCH',
        url: `/v1/api-keys/${id}`,
        headers: { 'x-api-key': adminKey },
        payload: { scopes: ['contexts:read'], name: 'renamed' },
      });
      assert.equal(narrow.statusCode, 200);
      assert.deepEqual(narrow.json().scopes, ['contexts:read']);
      const p = await check(key);
      assert.deepEqual(p.json().principal.scopes, ['contexts:read'], 'the cached principal was invalidated');
    });

    test('memory spaces: bound keys cannot grant other spaces; unknown spaces refused', async () => {
      await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/memory-spaces',
        headers: { 'x-api-key': adminKey },
        payload: { name: 'tenant_acme' },
      });
      await t.app.inject({
        method: 'POST',
        url: '/v1/organizations/alpha/memory-spaces',
        headers: { 'x-api-key': adminKey },
        payload: { name: 'tenant_beta' },
      });
      const bound = await newKey({ scopes: ['keys:write', 'contexts:read'], memory_spaces: ['tenant_acme'] });
      assert.equal((await create(adminKey, { name: 'x', scopes: ['contexts:read'], memory_spaces: ['nope'] })).statusCode, 400);
      assert.equal(
        (await create(bound.key, { name: 'x', scopes: ['contexts:read'], memory_spaces: ['tenant_beta'] })).json().error,
        'scope_escalation',
      );
      assert.equal(
        (await create(bound.key, { name: 'x', scopes: ['contexts:read'], memory_spaces: '*' })).json().error,
        'scope_escalation',
      );
      const res = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { 'x-api-key': bound.key }, payload: {} });
      assert.equal(res.json().memory_space, 'tenant_acme', 'a single-space key acts in that space implicitly');
      const other = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/check',
        headers: { 'x-api-key': bound.key, 'x-memory-space': 'tenant_beta' },
        payload: {},
      });
      assert.equal(other.statusCode, 403);
      assert.equal(other.json().error, 'memory_space_forbidden');
    });

    test("another organization's key is a 404, and its keys are invisible", async () => {
      const { id } = await newKey();
      for (const [method, url] of [
        ['GET', `/v1/api-keys/${id}`],
        ['PATCH', `/v1/api-keys/${id}`],
        ['DELETE', `/v1/api-keys/${id}`],
        ['POST', `/v1/api-keys/${id}/rotate`],
        ['POST', `/v1/api-keys/${id}/revoke`],
      ] as const) {
        const res = await t.app.inject({ method, url, headers: { 'x-api-key': bKey }, payload: method === 'PATCH' ? { name: 'x' } : {} });
        assert.equal(res.statusCode, 404, `${method} ${url}`);
      }
      const list = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: { 'x-api-key': bKey } });
      assert.ok(list.json().data.every((k: { organization_id: string }) => k.organization_id === b.orgId));
    });

    test('POST /v1/api-keys/verify: valid, invalid and foreign keys; needs keys:verify', async () => {
      const verifier = await newKey({ scopes: ['keys:verify'] });
      const target = await newKey({ scopes: ['contexts:read'] });
      const call = (key: string, extra: object = {}) =>
        t.app.inject({ method: 'POST', url: '/v1/api-keys/verify', headers: { 'x-api-key': verifier.key }, payload: { key, ...extra } });
      const ok = await call(target.key, { required_scopes: ['contexts:read'] });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().valid, true);
      assert.equal(ok.json().key_id, target.id);
      assert.equal((await call(target.key, { required_scopes: ['contexts:write'] })).json().code, 'ERR-6001');
      const bad = await call('sk_live_nope');
      assert.deepEqual([bad.statusCode, bad.json().valid, bad.json().code], [200, false, 'ERR-5001']);
      const foreign = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { 'x-api-key': bKey },
        payload: { name: 'b', scopes: ['x:y'] },
      });
      registerSecret(foreign.json().key);
      assert.equal((await call(foreign.json().key)).json().code, 'ERR-5001');
      const denied = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys/verify',
        headers: { 'x-api-key': target.key },
        payload: { key: target.key },
      });
      assert.equal(denied.statusCode, 403);
    });

    test('usage is counted in batches', async () => {
      const { id, key } = await newKey();
      for (let i = 0; i < 5; i++) await check(key);
      const before = await t.services.storage.db
        .selectFrom('api_keys')
        .select(['usage_count', 'last_used_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(before.usage_count, 0, 'nothing written per request');
      await t.services.apiKeys.flush();
      const after = await t.services.storage.db
        .selectFrom('api_keys')
        .select(['usage_count', 'last_used_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(after.usage_count, 5);
      assert.equal(after.last_used_at, t.clock.now());
    });

    test('list: filters and cursor pagination; members manage only their own keys', async () => {
      const page1 = await t.app.inject({ method: 'GET', url: '/v1/api-keys?limit=2&state=active', headers: { 'x-api-key': adminKey } });
      assert.equal(page1.json().data.length, 2);
      const page2 = await t.app.inject({
        method: 'GET',
        url: `/v1/api-keys?limit=2&state=active&cursor=${page1.json().next_cursor}`,
        headers: { 'x-api-key': adminKey },
      });
      assert.ok(page2.json().data.length >= 1);
      assert.ok(page2.json().data[0].id > page1.json().data[1].id);
      const revoked = await t.app.inject({ method: 'GET', url: '/v1/api-keys?state=revoked', headers: { 'x-api-key': adminKey } });
      assert.ok(revoked.json().data.every((k: { state: string }) => k.state === 'revoked'));
    });
  });
}
