/**
 * Rule 3: a person joins an organization only by accepting an invitation, and adding someone by
 * email answers the same whether or not the email is registered on this server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { bearer, login, type Registered, registerOrg } from './support.ts';

type Reply = { statusCode: number; headers: Record<string, unknown>; body: string; json(): Record<string, unknown> };

/** The answer with every per-request value replaced by its type: what an observer can compare. */
function shape(res: Reply) {
  const volatile = new Set(['date', 'x-request-id', 'content-length', 'etag']);
  const headers = Object.keys(res.headers)
    .filter((h) => !volatile.has(h))
    .sort()
    .map((h) => (h.startsWith('x-ratelimit') ? h : `${h}: ${String(res.headers[h])}`));
  const body = Object.fromEntries(
    Object.entries(res.json())
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([k, v]) => [k, k === 'email' || k === 'id' || k === 'token' || k.endsWith('_at') ? typeof v : v]),
  );
  return { status: res.statusCode, headers, body };
}

for (const backend of BACKENDS) {
  describe(`adding a member needs their consent; no registered-email oracle (${backend})`, () => {
    let t: TestApp;
    let a: Registered;
    let b: Registered;
    before(async () => {
      t = await createTestApp(backend);
      a = await registerOrg(t, 'consent-a');
      b = await registerOrg(t, 'consent-b');
    });
    after(() => t.close());

    /** An admin of consent-a, joined through the invitation flow. */
    async function addAdmin(): Promise<{ access: string }> {
      const email = `admin-${Math.random().toString(36).slice(2, 8)}@example.com`;
      const res = await invite('consent-a', a.access, email, 'admin');
      registerSecret(res.json().token);
      const ok = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations/accept',
        payload: { token: res.json().token, password: 'correct horse battery staple' },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      registerSecret(ok.json().tokens.refresh_token);
      registerSecret(ok.json().tokens.access_token);
      return { access: ok.json().tokens.access_token };
    }

    const add = (org: string, token: string, email: string, role = 'member') =>
      t.app.inject({ method: 'POST', url: `/v1/organizations/${org}/members`, headers: bearer(token), payload: { email, role } });
    const invite = (org: string, token: string, email: string, role = 'member') =>
      t.app.inject({ method: 'POST', url: `/v1/organizations/${org}/invitations`, headers: bearer(token), payload: { email, role } });

    test("an admin cannot add another organization's user without their acceptance", async () => {
      const res = await add('consent-a', a.access, b.email, 'admin');
      assert.equal(res.statusCode, 202, res.body);
      const inv = res.json();
      registerSecret(inv.token);
      assert.equal(inv.state, 'pending');
      assert.equal(inv.role, 'admin');
      assert.match(inv.token, /^ghi_/);
      const members = await t.app.inject({ method: 'GET', url: '/v1/organizations/consent-a/members', headers: bearer(a.access) });
      assert.ok(!members.json().data.some((m: { id: string }) => m.id === b.userId), 'not a member before accepting');
      assert.equal((await login(t, b.email, b.password, 'consent-a')).statusCode, 401, 'cannot log in to it yet');

      // Nobody but the invited user can accept for them: not anonymously, not with the admin's session.
      const anonymous = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations/accept',
        payload: { token: inv.token, password: 'SecurePass123!' },
      });
      assert.equal(anonymous.statusCode, 401);
      const byAdmin = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations/accept',
        headers: bearer(a.access),
        payload: { token: inv.token },
      });
      assert.equal(byAdmin.statusCode, 401);
      assert.equal((await login(t, b.email, b.password, 'consent-a')).statusCode, 401);

      const accepted = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations/accept',
        headers: bearer(b.access),
        payload: { token: inv.token },
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
      registerSecret(accepted.json().tokens.refresh_token);
      assert.equal(accepted.json().role, 'admin');
      const after = await login(t, b.email, b.password, 'consent-a');
      assert.equal(after.statusCode, 200, after.body);
      registerSecret(after.json().refresh_token);
      assert.equal((await add('consent-a', a.access, b.email)).json().error, 'already_member');
    });

    test('a registered and an unregistered email get the same answer, on both routes', async () => {
      const other = await registerOrg(t, 'consent-c');
      // Same length as the registered email, so even Content-Length matches.
      const ghost = other.email.replace(/^owner-/, 'ghost-');
      assert.equal(ghost.length, other.email.length);
      for (const send of [add, invite]) {
        const known = await send('consent-a', a.access, other.email);
        const unknown = await send('consent-a', a.access, ghost);
        registerSecret(String(known.json().token));
        registerSecret(String(unknown.json().token));
        assert.deepEqual(shape(unknown), shape(known));
        assert.equal(known.headers['content-length'], unknown.headers['content-length']);
        assert.equal(known.json().email, other.email.toLowerCase());
      }
      // Both stay pending until the person accepts: nothing was added.
      const members = await t.app.inject({ method: 'GET', url: '/v1/organizations/consent-a/members', headers: bearer(a.access) });
      assert.ok(!members.json().data.some((m: { id: string }) => m.id === other.userId));
    });

    test('only admins and owners add; only owners add owners; the audit trail shows the invitation and the acceptance', async () => {
      const member = await add('consent-b', b.access, 'new.hire@example.com', 'owner');
      assert.equal(member.statusCode, 202, member.body);
      registerSecret(member.json().token);
      const accepted = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations/accept',
        payload: { token: member.json().token, password: 'secure-password-123' },
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
      registerSecret(accepted.json().tokens.refresh_token);
      await t.services.audit.flush();
      const events = await t.app.inject({ method: 'GET', url: '/v1/audit-events?limit=200', headers: bearer(b.access) });
      assert.equal(events.statusCode, 200, events.body);
      const data = events.json().data as { action: string; target?: { id: string } | null; details?: Record<string, unknown> }[];
      const created = data.find((e) => e.action === 'invitation.created' && e.details?.via === 'members');
      assert.ok(created, 'invitation.created (via members) recorded when the admin adds');
      const added = data.find((e) => e.action === 'membership.added' && e.target?.id === accepted.json().user_id);
      assert.ok(added, 'membership.added recorded at acceptance');
      assert.equal(added.details?.role, 'owner');

      const admin = await login(t, a.email, a.password, 'consent-b');
      assert.equal(admin.statusCode, 401, 'a is not a member of consent-b');
      const ownerByAdmin = await add('consent-a', (await addAdmin()).access, 'someone@example.com', 'owner');
      assert.equal(ownerByAdmin.statusCode, 403);
      assert.equal(ownerByAdmin.json().error, 'insufficient_role');
    });
  });
}
