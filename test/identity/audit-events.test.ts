/**
 * The audit events of identity and sessions: a refused (locked) login, membership changes, and
 * every explicit revocation of a session (`token.revoked`) — ids only, never a secret.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditEventInput } from '../../src/audit/audit.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { acceptInvitation, bearer, inviteMember, login, type Registered, registerOrg } from './support.ts';

for (const backend of BACKENDS) {
  describe(`audit events of identity and sessions (${backend})`, () => {
    let t: TestApp;
    const events: AuditEventInput[] = [];

    before(async () => {
      t = await createTestApp(backend);
      const log = t.services.audit;
      const record = log.record;
      log.record = (e) => {
        events.push(e);
        record.call(log, e);
      };
    });
    after(() => t.close());

    /** Events recorded while `fn` runs (and up to `settleMs` after, for off-path records). */
    async function during(fn: () => Promise<unknown>, until?: (e: AuditEventInput[]) => boolean): Promise<AuditEventInput[]> {
      const start = events.length;
      await fn();
      for (let i = 0; i < 100 && until && !until(events.slice(start)); i++) await new Promise((r) => setTimeout(r, 10));
      return events.slice(start);
    }

    const named = (list: AuditEventInput[], action: string) => list.filter((e) => e.action === action);

    function assertNoSecret(list: AuditEventInput[], secrets: string[]): void {
      const text = JSON.stringify(list);
      for (const s of secrets) assert.ok(!text.includes(s), 'a secret reached an audit event');
    }

    async function registerUser(email: string): Promise<{ id: string; password: string }> {
      // Not built from the email: the password policy refuses those.
      const password = `long enough pw ${Math.random().toString(36).slice(2, 10)}`;
      registerSecret(password);
      const res = await t.app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password } });
      assert.equal(res.statusCode, 201, res.body);
      registerSecret(res.json().tokens.access_token);
      registerSecret(res.json().tokens.refresh_token);
      return { id: res.json().user.id, password };
    }

    test('auth.login.locked: the brute-force guard refused a login; target is the user id, never the email', async () => {
      const r = await registerOrg(t);
      const list = await during(
        async () => {
          let locked = false;
          for (let i = 0; i < 10 && !locked; i++) {
            const res = await t.app.inject({
              method: 'POST',
              url: '/v1/auth/login',
              payload: { email: r.email, password: `wrong password ${i}` },
              remoteAddress: '203.0.113.7',
            });
            locked = res.statusCode === 429;
            if (locked) assert.equal(res.json().error, 'too_many_attempts');
            else assert.equal(res.statusCode, 401);
          }
          assert.ok(locked, 'the guard never locked the account');
        },
        (l) => named(l, 'auth.login.locked').length > 0,
      );
      const [lockedEvent] = named(list, 'auth.login.locked');
      assert.ok(lockedEvent, 'no auth.login.locked event');
      assert.equal(lockedEvent.outcome, 'denied');
      assert.deepEqual(lockedEvent.actor, { type: 'anonymous', id: null });
      assert.deepEqual(lockedEvent.target, { type: 'user', id: r.userId });
      assert.equal(lockedEvent.organizationId, r.orgId, "filed under the user's organization");
      assert.equal(lockedEvent.ip, '203.0.113.7');
      assert.ok(lockedEvent.requestId);
      assert.ok(named(list, 'auth.login.failed').length >= 1);
      assertNoSecret(list, [r.email, r.password]);

      // An unknown account locks the same way; the event then names no target.
      const unknown = await during(
        async () => {
          for (let i = 0; i < 10; i++) {
            const res = await t.app.inject({
              method: 'POST',
              url: '/v1/auth/login',
              payload: { username: 'nobody-here', password: 'wrong password' },
              remoteAddress: '203.0.113.8',
            });
            if (res.statusCode === 429) break;
          }
        },
        (l) => named(l, 'auth.login.locked').length > 0,
      );
      const [unknownLocked] = named(unknown, 'auth.login.locked');
      assert.ok(unknownLocked);
      assert.equal(unknownLocked.target, null);
      assert.equal(unknownLocked.organizationId, null);
      assertNoSecret(unknown, ['nobody-here']);
    });

    test('membership.added, membership.role_changed, membership.removed, each ending the member sessions (token.revoked)', async () => {
      const owner: Registered = await registerOrg(t);
      const member = await registerUser(`member-${owner.slug}@example.com`);
      const token = await inviteMember(t, owner, `member-${owner.slug}@example.com`, 'member');
      const memberSession = await login(t, `member-${owner.slug}@example.com`, member.password);
      const added = await during(() => acceptInvitation(t, token, memberSession.json().access_token));
      const [a] = named(added, 'membership.added');
      assert.ok(a, 'no membership.added');
      assert.equal(a.organizationId, owner.orgId);
      assert.deepEqual(a.actor, { type: 'user', id: member.id }, 'the member joined by accepting');
      assert.deepEqual(a.target, { type: 'user', id: member.id });
      assert.equal(a.details?.role, 'member');
      assert.equal(a.details?.invited_by, owner.userId);
      assert.ok(a.requestId);

      const session = await login(t, `member-${owner.slug}@example.com`, member.password, owner.slug);
      assert.equal(session.statusCode, 200, session.body);
      const changed = await during(() =>
        t.app.inject({
          method: 'PATCH',
          url: `/v1/organizations/${owner.slug}/members/${member.id}`,
          headers: bearer(owner.access),
          payload: { role: 'readonly' },
        }),
      );
      const [c] = named(changed, 'membership.role_changed');
      assert.ok(c, 'no membership.role_changed');
      assert.deepEqual(c.details, { from: 'member', to: 'readonly' });
      const revoked = named(changed, 'token.revoked');
      // Accepting started one session in this organization and the login another: both end; the personal one stays.
      assert.equal(revoked.length, 2, 'the member sessions in this organization end; the personal one stays');
      assert.equal(revoked[0]?.organizationId, owner.orgId);
      assert.deepEqual(revoked[0]?.actor, { type: 'user', id: owner.userId });
      assert.equal(revoked[0]?.details?.reason, 'membership_removed');
      assert.equal(revoked[0]?.details?.user_id, member.id);
      assert.equal(
        (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(session.json().access_token) })).statusCode,
        401,
      );

      // Same role again: nothing changes, nothing is recorded.
      const same = await during(() =>
        t.app.inject({
          method: 'PATCH',
          url: `/v1/organizations/${owner.slug}/members/${member.id}`,
          headers: bearer(owner.access),
          payload: { role: 'readonly' },
        }),
      );
      assert.deepEqual(
        same.map((e) => e.action),
        [],
      );

      await login(t, `member-${owner.slug}@example.com`, member.password, owner.slug);
      const removed = await during(() =>
        t.app.inject({ method: 'DELETE', url: `/v1/organizations/${owner.slug}/members/${member.id}`, headers: bearer(owner.access) }),
      );
      const [d] = named(removed, 'membership.removed');
      assert.ok(d, 'no membership.removed');
      assert.deepEqual(d.details, { role: 'readonly' });
      assert.equal(named(removed, 'token.revoked').length, 1);

      // A refused change (the last owner) records nothing.
      const refused = await during(() =>
        t.app.inject({
          method: 'PATCH',
          url: `/v1/organizations/${owner.slug}/members/${owner.userId}`,
          headers: bearer(owner.access),
          payload: { role: 'admin' },
        }),
      );
      assert.deepEqual(
        refused.filter((e) => e.action.startsWith('membership.') || e.action === 'token.revoked'),
        [],
      );
    });

    test('token.revoked: logout, password change (every other session) and refresh-token reuse', async () => {
      const r = await registerOrg(t);
      const other = (await login(t, r.email, r.password)).json();
      const out = await during(() => t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(other.access_token) }));
      const logout = named(out, 'token.revoked');
      assert.equal(logout.length, 1);
      assert.equal(logout[0]?.details?.reason, 'logout');
      assert.deepEqual(logout[0]?.actor, { type: 'user', id: r.userId });
      assert.equal(logout[0]?.target?.type, 'session');
      assert.equal(named(out, 'auth.logout')[0]?.target?.id, logout[0]?.target?.id);

      // Logging out twice revokes nothing more.
      const again = await during(() => t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(other.access_token) }));
      assert.equal(named(again, 'token.revoked').length, 0);

      await login(t, r.email, r.password);
      await login(t, r.email, r.password);
      const newPassword = `new password for ${r.slug}`;
      registerSecret(newPassword);
      const changed = await during(() =>
        t.app.inject({
          method: 'POST',
          url: '/v1/auth/password',
          headers: bearer(r.access),
          payload: { current_password: r.password, new_password: newPassword },
        }),
      );
      const byPassword = named(changed, 'token.revoked');
      assert.equal(byPassword.length, 2);
      for (const e of byPassword) {
        assert.equal(e.details?.reason, 'password_changed');
        assert.deepEqual(e.actor, { type: 'user', id: r.userId });
        assert.equal(e.organizationId, r.orgId);
      }
      assert.equal(named(changed, 'auth.password.changed').length, 1);

      const fresh = (await login(t, r.email, newPassword)).json();
      const rotated = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: fresh.refresh_token } });
      registerSecret(rotated.json().refresh_token);
      registerSecret(rotated.json().access_token);
      t.clock.advance(t.config.refreshReuseLeeway * 1000 + 1); // past the leeway for concurrent duplicates
      const reused = await during(() =>
        t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: fresh.refresh_token } }),
      );
      const byReuse = named(reused, 'token.revoked');
      assert.equal(byReuse.length, 1);
      assert.equal(byReuse[0]?.details?.reason, 'reuse_detected');
      assert.deepEqual(byReuse[0]?.actor, { type: 'system', id: null });
      assert.equal(named(reused, 'auth.refresh.reuse_detected').length, 1);
      assertNoSecret([...out, ...changed, ...reused], [r.password, newPassword, fresh.refresh_token, fresh.access_token]);
    });
  });
}
