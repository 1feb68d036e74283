/**
 * Real actions land in the audit trail with the right actor, target and outcome, and no event
 * ever carries the passwords, tokens or keys those actions used.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditEventRow } from '../../src/audit/tables.ts';
import { addMember, bearer, login, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

for (const backend of BACKENDS) {
  describe(`audit trail end to end (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    const secrets: string[] = [];
    const keep = (s: string) => {
      registerSecret(s);
      secrets.push(s);
      return s;
    };

    before(async () => {
      t = await createTestApp(backend);
      a = await registerOrg(t, 'acme');
      secrets.push(a.password, a.access, a.refresh);
    });
    after(() => t.close());

    /** Every stored event with this action (after writing what the node buffers). */
    /** Stored events of one action; waits (up to 2 s) for `atLeast` of them: some are recorded after an off-path lookup. */
    async function stored(action: string, atLeast = 0): Promise<AuditEventRow[]> {
      for (let i = 0; ; i++) {
        await t.services.audit.flush();
        const rows = await t.services.storage.db
          .selectFrom('audit_events')
          .selectAll()
          .where('action', '=', action)
          .orderBy('id')
          .execute();
        if (rows.length >= atLeast || i >= 200) return rows;
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    test('login succeeded and failed (wrong password, unknown account)', async () => {
      const ok = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'user-agent': 'e2e-agent/1.0', 'x-request-id': 'e2e-login-1' },
        payload: { email: a.email, password: a.password },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      keep(ok.json().access_token);
      keep(ok.json().refresh_token);
      const [succeeded] = (await stored('auth.login.succeeded')).filter((e) => e.request_id === 'e2e-login-1');
      assert.ok(succeeded, 'auth.login.succeeded recorded');
      assert.equal(succeeded.outcome, 'success');
      assert.equal(succeeded.organization_id, a.orgId);
      assert.equal(succeeded.actor_type, 'user');
      assert.equal(succeeded.actor_id, a.userId);
      assert.equal(succeeded.target_type, 'session');
      assert.match(succeeded.target_id ?? '', /^ses_/);
      assert.equal(succeeded.user_agent, 'e2e-agent/1.0');
      assert.equal(succeeded.ip, '127.0.0.1');

      const wrong = keep('not-the-password-at-all');
      const bad = await login(t, a.email, wrong);
      assert.equal(bad.statusCode, 401);
      const unknown = await login(t, 'nobody@example.com', wrong);
      assert.equal(unknown.statusCode, 401);
      const failed = await stored('auth.login.failed', 2);
      const known = failed.find((e) => e.actor_id === a.userId);
      assert.ok(known, 'a failed login of a known user names the user');
      assert.equal(known.outcome, 'failure');
      assert.equal(known.actor_type, 'user');
      assert.equal(known.organization_id, a.orgId, "filed under the user's organization, so its owners see it");
      const anonymous = failed.find((e) => e.actor_type === 'anonymous');
      assert.ok(anonymous, 'an unknown account is an anonymous actor');
      assert.equal(anonymous.actor_id, null);
      assert.equal(anonymous.organization_id, null);
      assert.equal(anonymous.outcome, 'failure');
    });

    test('API key created and revoked: the acting user, the key as target, never the key', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(a.access),
        payload: { name: 'e2e', scopes: ['contexts:read'] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const key = keep(created.json().key);
      const id: string = created.json().id;
      const revoked = await t.app.inject({ method: 'POST', url: `/v1/api-keys/${id}/revoke`, headers: bearer(a.access) });
      assert.equal(revoked.statusCode, 200, revoked.body);
      const use = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: { 'x-api-key': key } });
      assert.equal(use.statusCode, 401);

      for (const action of ['api_key.created', 'api_key.revoked']) {
        const [e] = (await stored(action)).filter((x) => x.target_id === id);
        assert.ok(e, action);
        assert.equal(e.outcome, 'success', action);
        assert.equal(e.organization_id, a.orgId, action);
        assert.equal(e.actor_type, 'user', action);
        assert.equal(e.actor_id, a.userId, action);
        assert.equal(e.target_type, 'api_key', action);
      }
      const [useOfRevoked] = (await stored('api_key.revoked_use')).filter((x) => x.target_id === id);
      assert.ok(useOfRevoked, 'use of a revoked key is recorded');
      assert.equal(useOfRevoked.outcome, 'failure');
      assert.equal(useOfRevoked.actor_type, 'api_key');
      assert.equal(useOfRevoked.actor_id, id);
    });

    test('refresh, then reuse of a rotated refresh token: the family is revoked and the event says so', async () => {
      const s = await login(t, a.email, a.password);
      assert.equal(s.statusCode, 200);
      const first = keep(s.json().refresh_token);
      keep(s.json().access_token);
      const rotated = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: first } });
      assert.equal(rotated.statusCode, 200, rotated.body);
      keep(rotated.json().refresh_token);
      keep(rotated.json().access_token);
      t.clock.advance(t.config.refreshReuseLeeway * 1000 + 1); // past the leeway for concurrent duplicates
      const reuse = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: first } });
      assert.equal(reuse.statusCode, 401);

      const [refreshed] = await stored('auth.refresh');
      assert.ok(refreshed);
      assert.equal(refreshed.outcome, 'success');
      assert.equal(refreshed.actor_id, a.userId);
      const [reused] = await stored('auth.refresh.reuse_detected');
      assert.ok(reused, 'reuse recorded');
      assert.equal(reused.outcome, 'failure');
      assert.equal(reused.organization_id, a.orgId);
      assert.equal(reused.actor_type, 'user');
      assert.equal(reused.actor_id, a.userId);
      assert.equal(reused.target_type, 'session');
      assert.equal(reused.target_id, refreshed.target_id, 'the whole session (family) is the target');
    });

    test('a member reading the audit trail is refused, and the refusal is itself audited', async () => {
      const m = await addMember(t, a, 'member');
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/audit-events',
        headers: { ...bearer(m.token), 'x-request-id': 'e2e-denied' },
      });
      assert.equal(res.statusCode, 403);
      const [denied] = (await stored('permission.denied')).filter((e) => e.request_id === 'e2e-denied');
      assert.ok(denied, 'permission.denied recorded');
      assert.equal(denied.outcome, 'denied');
      assert.equal(denied.organization_id, a.orgId);
      assert.equal(denied.actor_type, 'user');
      assert.equal(denied.actor_id, m.userId);
      assert.equal(denied.target_type, 'route');
      assert.equal(denied.target_id, 'GET /v1/audit-events');
      const list = await t.app.inject({ method: 'GET', url: '/v1/audit-events?action=permission.denied', headers: bearer(a.access) });
      assert.ok(
        (list.json().data as { id: string }[]).some((e) => e.id === denied.id),
        'the owner sees it through the API',
      );
    });

    test('no stored event carries any secret these actions used', async () => {
      await t.services.audit.flush();
      const rows = await t.services.storage.db.selectFrom('audit_events').selectAll().execute();
      assert.ok(rows.length >= 8);
      const all = JSON.stringify(rows);
      for (const s of secrets) assert.ok(!all.includes(s), `${s.slice(0, 6)}… found in an audit event`);
    });
  });
}
