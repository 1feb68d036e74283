import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditEventInput } from '../../src/audit/audit.ts';
import { generateKey } from '../../src/credentials/api-keys/format.ts';
import { bearer, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const IP = { ip: '127.0.0.1' };

for (const backend of BACKENDS) {
  describe(`API key verification (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    let b: Registered;
    let adminKey: string;
    let bKey: string;

    const make = async (cred: string, payload: object) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { 'x-api-key': cred },
        payload: { name: 'svc', scopes: ['contexts:read'], ...payload },
      });
      assert.equal(res.statusCode, 201, res.body);
      registerSecret(res.json().key);
      return res.json() as { id: string; key: string };
    };
    const check = (key: string, remoteAddress = '127.0.0.1') =>
      t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { 'x-api-key': key }, remoteAddress, payload: {} });

    /** Counts every query the app sends to storage while `fn` runs. */
    async function countQueries(fn: () => Promise<unknown>): Promise<number> {
      const db = t.services.storage.db;
      let n = 0;
      const selectFrom = db.selectFrom.bind(db);
      const executeQuery = db.executeQuery.bind(db);
      const patched = db as { selectFrom: typeof db.selectFrom; executeQuery: typeof db.executeQuery };
      patched.selectFrom = ((...args: Parameters<typeof db.selectFrom>) => {
        n++;
        return selectFrom(...args);
      }) as typeof db.selectFrom;
      patched.executeQuery = ((...args: Parameters<typeof db.executeQuery>) => {
        n++;
        return executeQuery(...args);
      }) as typeof db.executeQuery;
      try {
        await fn().catch(() => undefined);
      } finally {
        patched.selectFrom = selectFrom;
        patched.executeQuery = executeQuery;
      }
      return n;
    }

    /** Audit events recorded while `fn` runs. */
    async function audited(fn: () => Promise<unknown>): Promise<AuditEventInput[]> {
      const log = t.services.audit;
      const events: AuditEventInput[] = [];
      const record = log.record;
      log.record = (e) => {
        if (e.action.startsWith('api_key.')) events.push(e);
        record.call(log, e);
      };
      try {
        await fn();
      } finally {
        log.record = record;
      }
      return events;
    }

    before(async () => {
      t = await createTestApp(backend);
      a = await registerOrg(t);
      b = await registerOrg(t);
      const mk = async (r: Registered) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: bearer(r.access),
          payload: { name: 'admin', scopes: ['*'] },
        });
        registerSecret(res.json().key);
        return res.json().key as string;
      };
      adminKey = await mk(a);
      bKey = await mk(b);
    });
    after(() => t.close());

    test('a bad checksum is refused without storage; a well-formed unknown key is looked up once, then negatively cached', async () => {
      const { key } = await make(adminKey, {});
      const forged = `${key.slice(0, 20)}${key[20] === 'Q' ? 'R' : 'Q'}${key.slice(21)}`;
      assert.equal(await countQueries(() => t.services.apiKeys.verify(forged, IP)), 0);
      await assert.rejects(t.services.apiKeys.verify(forged, IP), { name: 'GatehouseError', error: 'api_key_invalid' });
      const unknown = generateKey('sk', 'live');
      assert.equal(await countQueries(() => t.services.apiKeys.verify(unknown, IP)), 1, 'the spy sees a storage read');
      assert.equal(await countQueries(() => t.services.apiKeys.verify(unknown, IP)), 0, 'negative cache');
      assert.equal(await countQueries(() => t.services.apiKeys.verify(key, IP)), 1);
      assert.equal(await countQueries(() => t.services.apiKeys.verify(key, IP)), 0, 'positive cache');
    });

    test('cache invalidation: verify, revoke, verify fails at once; a key in its grace period can be revoked now', async () => {
      const { id, key } = await make(adminKey, {});
      await t.services.apiKeys.verify(key, IP);
      await t.services.apiKeys.revoke(a.orgId, id);
      await assert.rejects(t.services.apiKeys.verify(key, IP), { error: 'api_key_revoked' });

      const old = await make(adminKey, {});
      const rotated = await t.services.apiKeys.rotate(a.orgId, old.id, 3600);
      registerSecret(rotated.key);
      assert.equal((await t.services.apiKeys.verify(old.key, IP)).subject, old.id, 'works during the grace period');
      assert.equal((await t.services.apiKeys.verify(old.key, IP)).expiresAt, t.clock.now() + 3600_000, 'the principal ends with the grace');
      const res = await t.app.inject({ method: 'POST', url: `/v1/api-keys/${old.id}/revoke`, headers: { 'x-api-key': adminKey } });
      assert.equal(res.json().state, 'revoked');
      await assert.rejects(t.services.apiKeys.verify(old.key, IP), { error: 'api_key_revoked' });
      assert.equal((await t.services.apiKeys.verify(rotated.key, IP)).subject, rotated.row.id);
    });

    test('an expired key cannot be rotated (409); a revoked one neither', async () => {
      const { id } = await make(adminKey, { expires_in_days: 1 });
      t.clock.advance(86_400_000);
      const res = await t.app.inject({ method: 'POST', url: `/v1/api-keys/${id}/rotate`, headers: { 'x-api-key': adminKey }, payload: {} });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'ERR-5006');
      const other = await make(adminKey, {});
      await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${other.id}`, headers: { 'x-api-key': adminKey } });
      const again = await t.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${other.id}/rotate`,
        headers: { 'x-api-key': adminKey },
        payload: {},
      });
      assert.equal(again.json().error, 'api_key_already_rotated');
    });

    test('CIDR allowlists: IPv6 ranges, IPv4-mapped peers, single addresses', async () => {
      const { key } = await make(adminKey, { allowed_cidrs: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] });
      assert.equal((await check(key, '2001:db8::1')).statusCode, 200);
      assert.equal((await check(key, '::ffff:10.9.9.9')).statusCode, 200);
      assert.equal((await check(key, '192.0.2.7')).statusCode, 200);
      const out = await check(key, '192.0.2.8');
      assert.equal(out.statusCode, 401);
      assert.equal(out.json().error, 'api_key_ip_not_allowed');
      assert.match(String(out.headers['www-authenticate']), /error="invalid_token", error_description="Client IP not allowed/);
      const bad = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { 'x-api-key': adminKey },
        payload: { name: 'x', scopes: ['contexts:read'], allowed_cidrs: ['10.0.0.0/33'] },
      });
      assert.equal(bad.statusCode, 400);
    });

    test('verify endpoint: client_ip is checked against the allowlist; foreign keys fail like unknown ones whatever their state', async () => {
      const verifier = await make(adminKey, { scopes: ['keys:verify'] });
      const call = (payload: object) =>
        t.app.inject({ method: 'POST', url: '/v1/api-keys/verify', headers: { 'x-api-key': verifier.key }, payload });
      const fenced = await make(adminKey, { allowed_cidrs: ['10.0.0.0/8'] });
      assert.equal((await call({ key: fenced.key, client_ip: '10.1.1.1' })).json().valid, true);
      const outside = await call({ key: fenced.key, client_ip: '11.1.1.1' });
      assert.deepEqual([outside.json().valid, outside.json().error], [false, 'api_key_ip_not_allowed']);
      assert.equal((await call({ key: fenced.key, client_ip: 'nope' })).statusCode, 400);

      const foreign = await make(bKey, {});
      const unknown = (await call({ key: generateKey('sk', 'live') })).json();
      assert.equal((await call({ key: foreign.key })).json().code, unknown.code);
      await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${foreign.id}`, headers: { 'x-api-key': bKey } });
      const revokedForeign = (await call({ key: foreign.key })).json();
      assert.deepEqual([revokedForeign.valid, revokedForeign.code, revokedForeign.detail], [false, unknown.code, unknown.detail]);

      const own = await make(adminKey, {});
      await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${own.id}`, headers: { 'x-api-key': adminKey } });
      assert.equal((await call({ key: own.key })).json().error, 'api_key_revoked', "its own organization's key says why");
    });

    test('audit: created, rotated, revoked, and use of revoked or expired keys — never the key', async () => {
      let created = { id: '', key: '' };
      const createEvents = await audited(async () => {
        created = await make(adminKey, { expires_in_days: 1 });
      });
      assert.deepEqual(
        createEvents.map((e) => [e.action, e.target?.id]),
        [['api_key.created', created.id]],
      );
      let rotatedKey = '';
      const rotateEvents = await audited(async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: `/v1/api-keys/${created.id}/rotate`,
          headers: { 'x-api-key': adminKey },
          payload: { grace_period_seconds: 0 },
        });
        rotatedKey = res.json().key;
        registerSecret(rotatedKey);
        await check(created.key);
      });
      assert.deepEqual(
        rotateEvents.map((e) => e.action),
        ['api_key.rotated', 'api_key.revoked_use'],
      );
      t.clock.advance(86_400_000);
      const expiredEvents = await audited(() => check(rotatedKey));
      assert.deepEqual(
        expiredEvents.map((e) => [e.action, e.outcome]),
        [['api_key.expired_use', 'failure']],
      );
      const all = JSON.stringify([...createEvents, ...rotateEvents, ...expiredEvents]);
      assert.ok(!all.includes(created.key) && !all.includes(rotatedKey));
    });

    test('list filters: exact, case-sensitive name prefix (wildcards are literal); expired excludes revoked', async () => {
      const tag = `n_${Date.now().toString(36)}`;
      await make(adminKey, { name: `${tag}_one` });
      await make(adminKey, { name: `${tag}x_two` });
      await make(adminKey, { name: `${tag.toUpperCase()}_three` });
      const names = async (q: string) =>
        (await t.app.inject({ method: 'GET', url: `/v1/api-keys?${q}`, headers: { 'x-api-key': adminKey } }))
          .json()
          .data.map((k: { name: string }) => k.name) as string[];
      assert.deepEqual(await names(`name=${encodeURIComponent(`${tag}_`)}`), [`${tag}_one`]);
      assert.deepEqual(await names(`name=${encodeURIComponent('%')}`), []);
      const gone = await make(adminKey, { name: `${tag}_gone`, expires_in_days: 1 });
      await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${gone.id}`, headers: { 'x-api-key': adminKey } });
      t.clock.advance(86_400_000);
      const expired = await t.app.inject({
        method: 'GET',
        url: '/v1/api-keys?state=expired&limit=100',
        headers: { 'x-api-key': adminKey },
      });
      assert.ok(expired.json().data.every((k: { state: string }) => k.state === 'expired'));
      assert.ok(!expired.json().data.some((k: { id: string }) => k.id === gone.id));
    });
  });

  describe(`API key prefixes and environments (${backend})`, () => {
    test('a bare prefix (devmesh_) on a test deployment: its keys work, sk_ keys are not keys here, live keys are refused', async () => {
      const t = await createTestApp(backend, { apiKeyPrefix: 'devmesh_', apiKeyEnvironment: 'test' });
      try {
        const org = await registerOrg(t);
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: bearer(org.access),
          payload: { name: 'x', scopes: ['*'] },
        });
        assert.equal(res.statusCode, 201, res.body);
        const key: string = res.json().key;
        registerSecret(key);
        assert.match(key, /^devmesh_[0-9A-Za-z]{39}$/);
        assert.equal(res.json().environment, 'test');
        const ok = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: { authorization: `Api-Key ${key}` }, payload: {} });
        assert.equal(ok.statusCode, 200);
        const foreign = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/check',
          headers: { 'x-api-key': generateKey('sk', 'test') },
          payload: {},
        });
        assert.equal(foreign.statusCode, 401);
        assert.equal(foreign.json().error, 'invalid_token');
      } finally {
        await t.close();
      }
      const live = await createTestApp(backend, { apiKeyEnvironment: 'test' });
      try {
        const org = await registerOrg(live);
        const made = await live.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: bearer(org.access),
          payload: { name: 'x', scopes: ['*'], environment: 'live' },
        });
        registerSecret(made.json().key);
        const res = await live.app.inject({
          method: 'POST',
          url: '/v1/auth/check',
          headers: { 'x-api-key': made.json().key },
          payload: {},
        });
        assert.equal(res.json().error, 'api_key_wrong_environment');
        assert.match(String(res.headers['www-authenticate']), /error_description="A live key cannot be used on this test deployment"/);
      } finally {
        await live.close();
      }
    });
  });
}
