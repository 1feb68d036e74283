/**
 * Rule 2, with real processes: two `gatehouse serve` on one database (SQLite file, or PostgreSQL +
 * Redis), and the CLI as a third. Whatever ends access — a CLI command or an API call on one node —
 * is refused by every node within 1 s (probed every 50 ms), though each node had the credential
 * cached.
 */
import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import type { BackendName } from '../support/backends.ts';
import { cliWorkspace } from '../support/cli.ts';
import { registerSecret } from '../support/secrets-watch.ts';
import { msUntil, type ServerProcess, startServer } from '../support/server-process.ts';

const REDIS = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIMIT_MS = 1000;

interface Owner {
  slug: string;
  email: string;
  access: string;
  refresh: string;
}

type Credential = { bearer: string } | { key: string };

export function reachSuite(backend: BackendName, opts: { redis: boolean }): void {
  describe(`revocation reaches every process within 1 s (${backend}${opts.redis ? ' + Redis' : ', no Redis'})`, () => {
    const ws = cliWorkspace(backend);
    const nodes: ServerProcess[] = [];
    let n = 0;

    before(async () => {
      await ws.setup();
      const password = 'reach suite operator password';
      registerSecret(password);
      const init = ws.run(['init', '--org', 'Operators', '--email', 'op@example.com', '--password-stdin'], `${password}\n`);
      assert.equal(init.status, 0, init.stderr);
      const env = { ...ws.env, GATEHOUSE_RATE_LIMIT_ENABLED: 'false', ...(opts.redis ? { GATEHOUSE_REDIS_URL: REDIS } : {}) };
      nodes.push(await startServer(env));
      nodes.push(await startServer(env));
    });
    after(async () => {
      await Promise.all(nodes.map((s) => s.stop()));
      await ws.dispose();
    });

    const node = (i: number): ServerProcess => {
      const s = nodes[i];
      assert.ok(s, `node ${i}`);
      return s;
    };

    async function call(on: ServerProcess, method: string, path: string, auth?: Credential, body?: unknown): Promise<Response> {
      const headers: Record<string, string> = {};
      if (auth && 'bearer' in auth) headers.authorization = `Bearer ${auth.bearer}`;
      if (auth && 'key' in auth) headers['x-api-key'] = auth.key;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return fetch(`${on.address}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    }

    /** `/v1/auth/me` status on every node (each call also caches the credential there). */
    async function statuses(auth: Credential): Promise<number[]> {
      return Promise.all(
        nodes.map(async (s) => {
          const res = await call(s, 'GET', '/v1/auth/me', auth);
          await res.arrayBuffer();
          return res.status;
        }),
      );
    }

    /** Asserts the credential works everywhere now (and is cached), and answers a probe for "refused everywhere". */
    async function warm(auth: Credential): Promise<() => Promise<boolean>> {
      assert.deepEqual(await statuses(auth), [200, 200]);
      assert.deepEqual(await statuses(auth), [200, 200]);
      return async () => (await statuses(auth)).every((s) => s === 401);
    }

    async function refusedWithin(t: TestContext, probe: () => Promise<boolean>, what: string): Promise<void> {
      const ms = await msUntil(probe, 10_000);
      t.diagnostic(`${what}: refused on every node after ${Math.round(ms)} ms`);
      assert.ok(ms < LIMIT_MS, `${what}: refused everywhere only after ${Math.round(ms)} ms`);
    }

    async function register(): Promise<Owner> {
      const slug = `reach-${++n}`;
      const email = `${slug}@example.com`;
      const password = `${slug} owner password`;
      registerSecret(password);
      const res = await call(node(0), 'POST', '/v1/organizations/register', undefined, {
        organization_name: `Reach ${n}`,
        organization_slug: slug,
        admin_email: email,
        admin_name: 'Owner',
        admin_password: password,
      });
      const body = (await res.json()) as { tokens: { access_token: string; refresh_token: string } };
      assert.equal(res.status, 201, JSON.stringify(body));
      registerSecret(body.tokens.access_token);
      registerSecret(body.tokens.refresh_token);
      return { slug, email, access: body.tokens.access_token, refresh: body.tokens.refresh_token };
    }

    function cliKey(slug: string): { id: string; key: string } {
      const res = ws.run(['--json', 'token', 'add', '--org', slug, '--name', 'reach']);
      assert.equal(res.status, 0, res.stderr);
      const { id, key } = JSON.parse(res.stdout) as { id: string; key: string };
      registerSecret(key);
      return { id, key };
    }

    test('gatehouse user disable: the access tokens of the user stop on every node', async (t) => {
      const owner = await register();
      const refused = await warm({ bearer: owner.access });
      const res = ws.run(['user', 'disable', owner.email]);
      assert.equal(res.status, 0, res.stderr);
      await refusedWithin(t, refused, 'user disable');
    });

    test('gatehouse user disable: the API keys the user made stop on every node too', async (t) => {
      const owner = await register();
      const made = await call(node(0), 'POST', '/v1/api-keys', { bearer: owner.access }, { name: 'made by the user', scopes: ['*'] });
      const { key } = (await made.json()) as { key: string };
      assert.equal(made.status, 201);
      registerSecret(key);
      const refused = await warm({ key });
      const res = ws.run(['user', 'disable', owner.email]);
      assert.equal(res.status, 0, res.stderr);
      await refusedWithin(t, refused, "user disable (the user's key)");
    });

    test('gatehouse token remove: the key stops on every node', async (t) => {
      const owner = await register();
      const { id, key } = cliKey(owner.slug);
      const refused = await warm({ key });
      const res = ws.run(['token', 'remove', id, '--force']);
      assert.equal(res.status, 0, res.stderr);
      await refusedWithin(t, refused, 'token remove');
    });

    test('gatehouse token rotate --grace 0: the old key stops on every node, the new one works', async (t) => {
      const owner = await register();
      const { id, key } = cliKey(owner.slug);
      const refused = await warm({ key });
      const res = ws.run(['--json', 'token', 'rotate', id, '--grace', '0']);
      assert.equal(res.status, 0, res.stderr);
      const next = (JSON.parse(res.stdout) as { key: string }).key;
      registerSecret(next);
      await refusedWithin(t, refused, 'token rotate');
      assert.deepEqual(await statuses({ key: next }), [200, 200]);
    });

    test('logout on one node: the access token stops on the other', async (t) => {
      const owner = await register();
      const refused = await warm({ bearer: owner.access });
      const res = await call(node(0), 'POST', '/v1/auth/logout', { bearer: owner.access }, {});
      assert.equal(res.status, 204, await res.text());
      await refusedWithin(t, refused, 'logout');
    });

    test('a key revoked through the API on one node stops on the other', async (t) => {
      const owner = await register();
      const created = await call(node(0), 'POST', '/v1/api-keys', { bearer: owner.access }, { name: 'k', scopes: ['*'] });
      const { id, key } = (await created.json()) as { id: string; key: string };
      assert.equal(created.status, 201);
      registerSecret(key);
      const refused = await warm({ key });
      const res = await call(node(1), 'DELETE', `/v1/api-keys/${id}`, { bearer: owner.access });
      assert.ok(res.status < 300, await res.text());
      await refusedWithin(t, refused, 'key revoked through the API');
    });

    test('organization deleted on one node: its sessions and keys stop on the other', async (t) => {
      const owner = await register();
      const { key } = cliKey(owner.slug);
      const tokenRefused = await warm({ bearer: owner.access });
      const keyRefused = await warm({ key });
      const res = await call(node(0), 'DELETE', `/v1/organizations/${owner.slug}`, { bearer: owner.access });
      assert.equal(res.status, 204, await res.text());
      await refusedWithin(t, async () => (await tokenRefused()) && (await keyRefused()), 'organization deleted');
    });
  });
}
