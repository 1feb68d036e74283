/**
 * "A credential never does more than the person behind it", over EVERY protected route (the list
 * comes from the app, so a new route cannot escape) and every kind of credential: a session of each
 * role, a key made by each role, a key minted by such a key, a key whose creator was demoted since,
 * and operator service keys. Each call gets a fresh target object, so the order of calls does not
 * matter; a key's answer is compared with its creator's session's answer on its own fresh target:
 * where the session is refused, the key must be refused too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hasScope } from '../../src/authorization/index.ts';
import { ALIASES } from '../../src/http/routes/compat/aliases.ts';
import { addMembership } from '../../src/identity/memberships.ts';
import { createUser } from '../../src/identity/users.ts';
import { addMember, bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

type Party = 'owner' | 'admin' | 'member' | 'readonly';

interface Credential {
  readonly name: string;
  readonly token: string;
  /** The role whose session this credential must never out-do; null for operator service keys. */
  readonly party: Party | null;
  /** The session of that same user (for keys: their creator). */
  readonly session?: string;
}

/** Routes any authenticated credential may call (they act on the caller itself). */
const SCOPE_FREE = new Set([
  'POST /v1/auth/check',
  'POST /v1/auth/validate',
  'GET /v1/auth/me',
  'POST /v1/auth/logout',
  'GET /v1/organizations',
  // Forward-auth without a route policy: any valid credential (the policy names the scopes).
  ...['GET', 'POST'].map((m) => `${m} /v1/forward-auth`),
  ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => `${m} /v1/forward-auth/*`),
]);
/** A compatibility alias (`/api/v1/…`) runs its native route: judge it as that route. */
const native = (method: string, url: string): string => {
  const alias = ALIASES.find((a) => a.method === method && a.path === url);
  return `${method} ${alias ? alias.native : url}`;
};
/** Routes checked on their own below: they end the caller's session or the whole organization. */
const LAST = new Set(['POST /v1/auth/logout', 'DELETE /v1/organizations/:org']);

const ok = (status: number) => status >= 200 && status < 300;

for (const backend of BACKENDS) {
  describe(`every credential kind on every protected route (${backend})`, () => {
    let t: TestApp;
    let owner: Registered;
    const creds: Credential[] = [];
    let n = 0;

    before(async () => {
      t = await createTestApp(backend);
      owner = await registerOrg(t, `matrix-${backend}`);
      const sessions: Record<Party, string> = { owner: owner.access, admin: '', member: '', readonly: '' };
      for (const role of ['admin', 'member', 'readonly'] as const) sessions[role] = (await addMember(t, owner, role)).token;

      // A key made while its creator was a member, whose creator is readonly now.
      const demoted = await addMember(t, owner, 'member');
      const demotedKey = await createKey(t, demoted.token, { name: 'demoted', scopes: ['read', 'write', 'keys:read', 'keys:write'] });
      const demote = await t.app.inject({
        method: 'PATCH',
        url: `/v1/organizations/${owner.slug}/members/${demoted.userId}`,
        headers: bearer(owner.access),
        payload: { role: 'readonly' },
      });
      assert.equal(demote.statusCode, 200, demote.body);

      const widest: Record<Party, string[]> = {
        owner: ['*'],
        admin: ['*'],
        member: ['read', 'write', 'org:read', 'members:read', 'spaces:read', 'keys:read', 'keys:write'],
        readonly: [],
      };
      for (const party of ['owner', 'admin', 'member', 'readonly'] as const) {
        const session = sessions[party];
        creds.push({ name: `${party} session`, token: session, party, session });
        if (widest[party].length === 0) continue; // readonly holds no keys:write
        const key = await createKey(t, session, { name: `${party}-key`, scopes: widest[party] });
        creds.push({ name: `key made by ${party}`, token: key.key, party, session });
        const child = await createKey(t, key.key, { name: `${party}-child`, scopes: widest[party] });
        creds.push({ name: `key minted by ${party}'s key`, token: child.key, party, session });
      }
      // Compared with a readonly session: the creator's own session ended with the role change.
      creds.push({
        name: 'key whose creator was demoted to readonly',
        token: demotedKey.key,
        party: 'readonly',
        session: sessions.readonly,
      });
      for (const [name, scopes] of [
        ['operator key *', ['*']],
        ['operator key keys:read', ['keys:read']],
      ] as const) {
        const { key } = await t.services.apiKeys.create({
          organizationId: owner.orgId,
          createdBy: null,
          name,
          scopes: [...scopes],
          memorySpaces: '*',
        });
        registerSecret(key);
        creds.push({ name, token: key, party: null });
      }
    });
    after(() => t.close());

    /** A fresh object for each route parameter, so no call sees another call's effects. */
    async function fixture(method: string, route: string): Promise<{ url: string; payload?: Record<string, unknown> }> {
      const id = `${++n}`;
      const h = bearer(owner.access);
      // An alias names the same parameters as its native route; the native path says what they are.
      const nativeRoute = native(method, route).slice(method.length + 1);
      let url = route.replace(':org', owner.slug);
      if (route.includes(':space')) {
        const r = await t.app.inject({
          method: 'POST',
          url: `/v1/organizations/${owner.slug}/memory-spaces`,
          headers: h,
          payload: { name: `sp${id}` },
        });
        assert.equal(r.statusCode, 201, r.body);
        url = url.replace(':space', `sp${id}`);
      }
      if (route.includes(':user_id')) {
        const user = await createUser(
          t.services.storage.db,
          { email: `target${id}@example.com`, displayName: 'T', passwordHash: 'x' },
          t.clock.now(),
        );
        await addMembership(t.services.storage.db, owner.orgId, user.id, 'member', t.clock.now());
        url = url.replace(':user_id', user.id);
      }
      if (nativeRoute.startsWith('/v1/organizations/:org/invitations/:id')) {
        const r = await t.app.inject({
          method: 'POST',
          url: `/v1/organizations/${owner.slug}/invitations`,
          headers: h,
          payload: { email: `inv${id}@example.com`, role: 'member' },
        });
        assert.equal(r.statusCode, 201, r.body);
        registerSecret(r.json().token);
        url = url.replace(':id', r.json().id);
      }
      if (nativeRoute.startsWith('/v1/oauth/clients/:id')) {
        const r = await t.app.inject({
          method: 'POST',
          url: '/v1/oauth/clients',
          headers: h,
          payload: { client_name: `c${id}`, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' },
        });
        assert.equal(r.statusCode, 201, r.body);
        registerSecret(r.json().client_secret);
        url = url.replace(':id', r.json().client_id ?? r.json().id);
      }
      if (nativeRoute.startsWith('/v1/oauth/resources/:id')) {
        const r = await t.app.inject({
          method: 'POST',
          url: '/v1/oauth/resources',
          headers: h,
          payload: { identifier: `https://api${id}.example.com/mcp`, scopes: ['tools:execute'] },
        });
        assert.equal(r.statusCode, 201, r.body);
        url = url.replace(':id', r.json().id);
      }
      if (nativeRoute.startsWith('/v1/api-keys/:id'))
        url = url.replace(':id', (await createKey(t, owner.access, { name: `target${id}`, scopes: ['*'] })).id);
      const payloads: Record<string, Record<string, unknown>> = {
        'POST /v1/auth/password': { current_password: 'not the password', new_password: 'a brand new long password' },
        'PATCH /v1/organizations/:org': { name: 'Matrix Renamed' },
        'POST /v1/organizations/:org/members': { email: `new${id}@example.com`, role: 'member' },
        'PATCH /v1/organizations/:org/members/:user_id': { role: 'readonly' },
        'POST /v1/organizations/:org/memory-spaces': { name: `new${id}` },
        'PATCH /v1/organizations/:org/memory-spaces/:space': { name: `renamed${id}` },
        'POST /v1/organizations/:org/invitations': { email: `new-inv${id}@example.com`, role: 'member' },
        'POST /v1/api-keys/verify': { key: owner.access },
        'POST /v1/api-keys': { name: `made${id}`, scopes: ['keys:read'] },
        'PATCH /v1/api-keys/:id': { name: `renamed${id}` },
        'POST /v1/auth/check': { required_scopes: ['org:write'] },
        'POST /v1/auth/validate': { token: owner.access },
        'PATCH /v1/oauth/clients/:id': { client_name: `renamed${id}` },
        'PATCH /v1/oauth/resources/:id': { name: `renamed${id}` },
      };
      return { url, payload: payloads[`${method} ${nativeRoute}`] ?? {} };
    }

    async function call(c: Credential, method: string, route: string): Promise<number> {
      const { url, payload } = await fixture(method, route);
      const withBody = method !== 'GET' && method !== 'DELETE';
      const res = await t.app.inject({ method: method as 'GET', url, headers: bearer(c.token), ...(withBody ? { payload } : {}) });
      assert.ok(res.statusCode < 500, `${c.name}: ${method} ${route} answered ${res.statusCode} ${res.body}`);
      return res.statusCode;
    }

    const routes = () => {
      assert.ok(t.app.protectedRoutes.length >= 30, `only ${t.app.protectedRoutes.length} protected routes`);
      return t.app.protectedRoutes.filter((r) => !LAST.has(`${r.method} ${r.url}`));
    };

    test('a key, or a key minted by it, never gets a route its creator is refused (fresh target each call)', async () => {
      const violations: string[] = [];
      for (const r of routes()) {
        const sessionStatus = new Map<string, number>();
        for (const c of creds) {
          if (c.party === null || c.session === undefined) continue;
          if (!sessionStatus.has(c.session)) sessionStatus.set(c.session, await call({ ...c, token: c.session }, r.method, r.url));
          const own = sessionStatus.get(c.session) ?? 0;
          const got = c.token === c.session ? own : await call(c, r.method, r.url);
          if (ok(got) && !ok(own)) violations.push(`${c.name}: ${r.method} ${r.url} → ${got}, its creator's session → ${own}`);
        }
      }
      assert.deepEqual(violations, []);
    });

    test('what each credential holds is covered by what its creator holds now', async () => {
      const scopesOf = async (token: string) => {
        const res = await t.app.inject({ method: 'POST', url: '/v1/auth/check', headers: bearer(token), payload: {} });
        assert.equal(res.statusCode, 200, res.body);
        return res.json().principal as { scopes: string[]; role: string | null };
      };
      for (const c of creds) {
        const p = await scopesOf(c.token);
        if (c.party === null || c.session === undefined) {
          assert.equal(p.role, null, c.name);
          continue;
        }
        const s = await scopesOf(c.session);
        assert.equal(p.role, s.role, `${c.name} acts with its creator's role`);
        const over = p.scopes.filter((x) => !hasScope(s.scopes, x));
        assert.deepEqual(over, [], `${c.name} holds more than its creator`);
      }
    });

    test('an operator key does exactly what its scopes say: keys:read reads keys and nothing else', async () => {
      const narrow = creds.find((c) => c.name === 'operator key keys:read');
      assert.ok(narrow);
      for (const r of routes()) {
        const status = await call(narrow, r.method, r.url);
        const route = native(r.method, r.url);
        const readsKeys = route.startsWith('GET /v1/api-keys');
        if (ok(status)) assert.ok(readsKeys || SCOPE_FREE.has(route), `${r.method} ${r.url} → ${status}`);
        else if (readsKeys) assert.fail(`${r.method} ${r.url} → ${status} for a keys:read key`);
      }
    });

    test('only an owner party deletes the organization; logout works for the session that calls it', async () => {
      for (const c of creds) {
        if (c.party === 'owner' || c.name === 'operator key *') continue;
        const res = await t.app.inject({ method: 'DELETE', url: `/v1/organizations/${owner.slug}`, headers: bearer(c.token) });
        assert.ok(!ok(res.statusCode), `${c.name} deleted the organization (${res.statusCode})`);
      }
      const child = creds.find((c) => c.name === "key minted by owner's key");
      assert.ok(child);
      const del = await t.app.inject({ method: 'DELETE', url: `/v1/organizations/${owner.slug}`, headers: bearer(child.token) });
      assert.equal(del.statusCode, 204, del.body);
    });
  });
}
