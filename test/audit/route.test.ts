/**
 * `GET /v1/audit-events`: the security matrix (no credential, garbage, member and readonly roles,
 * a key without `audit:read`, another organization's admin), filters and cursor pagination.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditEventView } from '../../src/audit/render.ts';
import { addMember, bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';

for (const backend of BACKENDS) {
  describe(`GET /v1/audit-events (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    let b: Registered;
    let memberOfA: { token: string; userId: string };
    let readonlyOfA: { token: string; userId: string };
    let adminOfA: { token: string; userId: string };

    const list = (headers: Record<string, string>, query = '') => t.app.inject({ method: 'GET', url: `/v1/audit-events${query}`, headers });

    before(async () => {
      t = await createTestApp(backend);
      a = await registerOrg(t, 'alpha');
      b = await registerOrg(t, 'beta');
      memberOfA = await addMember(t, a, 'member');
      readonlyOfA = await addMember(t, a, 'readonly');
      adminOfA = await addMember(t, a, 'admin');
    });
    after(() => t.close());

    test('no credential: 401; garbage: 401 invalid_token', async () => {
      const none = await list({});
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().code, 'ERR-4001');
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="gatehouse"');
      for (const authorization of ['Bearer garbage', 'Api-Key sk_live_0000000000000000000000000000000000000000000', 'Bearer a.b.c']) {
        const res = await list({ authorization });
        assert.equal(res.statusCode, 401, authorization);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      }
    });

    test('member and readonly roles: 403; a key without audit:read: 403 insufficient_scope', async () => {
      for (const { token } of [memberOfA, readonlyOfA]) {
        const res = await list(bearer(token));
        assert.equal(res.statusCode, 403, res.body);
        assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/);
      }
      const narrow = await createKey(t, a.access, { name: 'audit', scopes: ['keys:read'] });
      const res = await list({ 'x-api-key': narrow.key });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error, 'insufficient_scope');
      assert.match(String(res.headers['www-authenticate']), /scope="audit:read"/);
    });

    test("owners, admins and audit:read keys see their organization's events, and only those", async () => {
      const owner = await list(bearer(a.access), '?limit=200');
      assert.equal(owner.statusCode, 200, owner.body);
      const events = owner.json().data as AuditEventView[];
      assert.ok(events.length > 0);
      assert.ok(events.every((e) => e.organization_id === a.orgId));
      assert.ok(events.some((e) => e.action === 'membership.added' && e.target?.id === memberOfA.userId));
      assert.ok(events.some((e) => e.action === 'auth.login.succeeded' && e.actor.id === adminOfA.userId));

      const admin = await list(bearer(adminOfA.token), '?limit=200');
      assert.equal(admin.statusCode, 200, admin.body);
      const key = await createKey(t, a.access, { name: 'audit', scopes: ['audit:read'] });
      const byKey = await list({ 'x-api-key': key.key }, '?limit=200');
      assert.equal(byKey.statusCode, 200, byKey.body);
      assert.ok((byKey.json().data as AuditEventView[]).some((e) => e.action === 'api_key.created' && e.target?.id === key.id));

      const other = await list(bearer(b.access), '?limit=200');
      assert.equal(other.statusCode, 200);
      const theirs = other.json().data as AuditEventView[];
      assert.ok(theirs.every((e) => e.organization_id === b.orgId));
      const ours = new Set(events.map((e) => e.id));
      assert.ok(!theirs.some((e) => ours.has(e.id)), "beta's admin sees none of alpha's events");
      for (const q of [`?actor=${a.userId}`, `?target=${memberOfA.userId}`, '?action=membership.added']) {
        const res = await list(bearer(b.access), q);
        assert.deepEqual(res.json().data, [], `beta filtering ${q} finds none of alpha's`);
      }
      const cursor = await list(bearer(b.access), `?cursor=${events[events.length - 1]?.id}`);
      assert.ok((cursor.json().data as AuditEventView[]).every((e) => e.organization_id === b.orgId));
    });

    test('the view: fields, no secrets, newest first', async () => {
      const res = await list(bearer(a.access), '?action=auth.login.succeeded&limit=1');
      const [e] = res.json().data as AuditEventView[];
      assert.ok(e);
      assert.deepEqual(Object.keys(e).sort(), [
        'action',
        'actor',
        'details',
        'id',
        'ip',
        'occurred_at',
        'organization_id',
        'outcome',
        'request_id',
        'target',
        'user_agent',
      ]);
      assert.match(e.id, /^evt_[0-9a-z]{26}$/);
      assert.equal(e.occurred_at, new Date(t.clock.now()).toISOString());
      assert.equal(e.outcome, 'success');
      assert.equal(e.target?.type, 'session');
      assert.equal(e.ip, '127.0.0.1');
      assert.equal(e.actor.id, adminOfA.userId, 'the last login was the admin');

      t.services.audit.record({
        action: 'test.no_target',
        outcome: 'denied',
        organizationId: a.orgId,
        actor: { type: 'anonymous', id: null },
        details: { layer: 'ip', limit: 10 },
      });
      const bare = (await list(bearer(a.access), '?action=test.no_target')).json().data as AuditEventView[];
      assert.equal(bare.length, 1);
      assert.deepEqual(
        { actor: bare[0]?.actor, target: bare[0]?.target, ip: bare[0]?.ip, details: bare[0]?.details },
        { actor: { type: 'anonymous', id: null }, target: null, ip: null, details: { layer: 'ip', limit: 10 } },
      );
    });

    test('filters: action (exact, prefix), actor, actor_type, target, outcome, time range', async () => {
      // Made by a member, so the admin may revoke it (an admin cannot touch an owner's keys).
      const key = await createKey(t, memberOfA.token, { name: 'audit', scopes: ['keys:read'] });
      t.clock.advance(60_000);
      const from = new Date(t.clock.now()).toISOString();
      const revoke = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: bearer(adminOfA.token) });
      assert.equal(revoke.statusCode, 200, revoke.body);
      t.clock.advance(60_000);
      const to = new Date(t.clock.now()).toISOString();
      const actions = async (q: string) => {
        const res = await list(bearer(a.access), q);
        assert.equal(res.statusCode, 200, `${q}: ${res.body}`);
        return (res.json().data as AuditEventView[]).map((e) => e.action);
      };
      assert.deepEqual(await actions(`?target=${key.id}`), ['api_key.revoked', 'api_key.created']);
      assert.deepEqual(await actions(`?target=${key.id}&action=api_key.created`), ['api_key.created']);
      assert.deepEqual(await actions(`?target=${key.id}&action=api_key.*`), ['api_key.revoked', 'api_key.created']);
      assert.deepEqual(await actions(`?target=${key.id}&actor=${adminOfA.userId}`), ['api_key.revoked']);
      assert.deepEqual(await actions(`?target=${key.id}&actor_type=user&target_type=api_key&outcome=success`), [
        'api_key.revoked',
        'api_key.created',
      ]);
      assert.deepEqual(await actions(`?since=${from}&until=${to}`), ['api_key.revoked']);
      assert.deepEqual(await actions(`?target=${key.id}&outcome=failure`), []);
      assert.deepEqual(await actions(`?until=${encodeURIComponent('2000-01-01T00:00:00Z')}`), []);
    });

    test('cursor pagination walks every event once, newest first', async () => {
      const all = (await list(bearer(a.access), '?limit=200')).json().data as AuditEventView[];
      const seen: string[] = [];
      let url = '?limit=3';
      for (;;) {
        const res = await list(bearer(a.access), url);
        const body = res.json();
        seen.push(...(body.data as AuditEventView[]).map((e) => e.id));
        if (!body.next_cursor) break;
        url = `?limit=3&cursor=${body.next_cursor}`;
      }
      assert.deepEqual(
        seen,
        all.map((e) => e.id),
      );
      assert.deepEqual([...seen].sort().reverse(), seen);
    });

    test('bad parameters: 400 with the precise problem', async () => {
      const cases: [string, string][] = [
        ['?cursor=nope', 'ERR-1009'],
        ['?since=2026-06-02T00:00:00Z&until=2026-06-01T00:00:00Z', 'ERR-1001'],
        ['?since=yesterday', 'ERR-1001'],
        ['?limit=0', 'ERR-1001'],
        ['?limit=201', 'ERR-1001'],
        ['?outcome=maybe', 'ERR-1001'],
        ['?action=a%20b', 'ERR-1001'],
        ['?unknown=1', 'ERR-1001'],
      ];
      for (const [q, code] of cases) {
        const res = await list(bearer(a.access), q);
        assert.equal(res.statusCode, 400, q);
        assert.equal(res.json().code, code, q);
      }
    });
  });
}
