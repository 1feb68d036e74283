/**
 * The framework middleware against a real Gatehouse on loopback: JWTs verified locally (no
 * decision API call), API keys through the decision API with a short cache, requireScopes(),
 * requireMemorySpace(), and the same 401/403 contract as Gatehouse — for Fastify, Express and Hono.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { gatehouse as expressGatehouse } from 'gatehouse/express';
import { gatehouse as fastifyGatehouse } from 'gatehouse/fastify';
import { type GatehouseEnv, gatehouse as honoGatehouse } from 'gatehouse/hono';
import { Hono } from 'hono';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

interface Started {
  readonly url: string;
  close(): Promise<void>;
}

type Options = { url: string; issuer: string; now: () => number; fetch: typeof fetch; cacheTtlMs: number; checkRevocation?: boolean };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closer = (server: Server) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** The same small API in each framework: /whoami (any credential), recall (read + space), remember (write). */
const FRAMEWORKS: Record<string, (o: Options) => Promise<Started>> = {
  async fastify(o) {
    const app = Fastify();
    const auth = fastifyGatehouse(o);
    app.get('/whoami', { preHandler: auth.authenticate }, async (request) => ({
      subject: request.principal?.subject,
      kind: request.principal?.kind,
    }));
    app.get<{ Params: { space: string } }>(
      '/v1/spaces/:space/recall',
      { preHandler: [auth.requireScopes('memories:read'), auth.requireMemorySpace((r) => (r.params as { space: string }).space)] },
      async (request) => ({ subject: request.principal?.subject, space: request.memorySpace }),
    );
    app.post('/v1/spaces/:space/remember', { preHandler: auth.requireScopes('memories:write') }, async () => ({ ok: true }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { url, close: () => app.close() };
  },
  async express(o) {
    const app = express();
    const auth = expressGatehouse(o);
    app.get('/whoami', auth.authenticate, (req, res) => {
      res.json({ subject: req.principal?.subject, kind: req.principal?.kind });
    });
    app.get(
      '/v1/spaces/:space/recall',
      auth.requireScopes('memories:read'),
      auth.requireMemorySpace((req) => String(req.params.space)),
      (req, res) => {
        res.json({ subject: req.principal?.subject, space: req.memorySpace });
      },
    );
    app.post('/v1/spaces/:space/remember', auth.requireScopes('memories:write'), (_req, res) => {
      res.json({ ok: true });
    });
    const server = createServer(app);
    return { url: await listen(server), close: closer(server) };
  },
  async hono(o) {
    const app = new Hono<GatehouseEnv>();
    const auth = honoGatehouse(o);
    app.get('/whoami', auth.authenticate, (c) => c.json({ subject: c.var.principal.subject, kind: c.var.principal.kind }));
    app.get(
      '/v1/spaces/:space/recall',
      auth.requireScopes('memories:read'),
      auth.requireMemorySpace((c) => c.req.param('space')),
      (c) => c.json({ subject: c.var.principal.subject, space: c.var.memorySpace }),
    );
    app.post('/v1/spaces/:space/remember', auth.requireScopes('memories:write'), (c) => c.json({ ok: true }));
    // A minimal Node adapter: Hono speaks fetch Requests.
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const body = chunks.length > 0 && req.method !== 'GET' ? Buffer.concat(chunks) : undefined;
      const response = await app.fetch(
        new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, ...(body ? { body } : {}) }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    return { url: await listen(server), close: closer(server) };
  },
};

describe('framework middleware against a real Gatehouse', () => {
  let t: TestApp;
  let a: Registered;
  let gatehouseUrl = '';
  let reader = { id: '', key: '' };

  before(async () => {
    t = await createTestApp('sqlite');
    a = await registerOrg(t, 'mw-org');
    for (const name of ['tenant_a', 'tenant_b'])
      await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${a.slug}/memory-spaces`,
        headers: bearer(a.access),
        payload: { name },
      });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    gatehouseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t.close());

  for (const [name, start] of Object.entries(FRAMEWORKS)) {
    describe(name, () => {
      let api: Started;
      const decisions: string[] = [];

      before(async () => {
        reader = await createKey(t, a.access, { name: `reader-${name}`, scopes: ['memories:read'], memory_spaces: ['tenant_b'] });
        const counting: typeof fetch = (input, init) => {
          decisions.push(String(input));
          return fetch(input, init);
        };
        api = await start({ url: gatehouseUrl, issuer: t.config.issuer, now: () => t.clock.now(), fetch: counting, cacheTtlMs: 5_000 });
      });
      after(() => api.close());

      test('a Gatehouse JWT is verified locally: typed principal, no decision API call', async () => {
        const before = decisions.length;
        const res = await fetch(`${api.url}/whoami`, { headers: bearer(a.access) });
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { subject: a.userId, kind: 'user' });
        assert.equal(decisions.length, before);
      });

      test('an API key goes to the decision API once, then comes from the short cache; revocation shows after it', async () => {
        const before = decisions.length;
        const call = () => fetch(`${api.url}/v1/spaces/tenant_b/recall`, { headers: { 'x-api-key': reader.key } });
        const first = await call();
        assert.equal(first.status, 200);
        assert.deepEqual(await first.json(), { subject: reader.id, space: 'tenant_b' });
        assert.equal((await call()).status, 200);
        assert.equal(decisions.length - before, 1, 'one decision API call for two requests');
        const del = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${reader.id}`, headers: bearer(a.access) });
        assert.equal(del.statusCode, 200, del.body);
        assert.equal((await call()).status, 200, 'still cached');
        t.clock.advance(6_000);
        const revoked = await call();
        assert.equal(revoked.status, 401);
        assert.match(revoked.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
        reader = await createKey(t, a.access, { name: `reader2-${name}`, scopes: ['memories:read'], memory_spaces: ['tenant_b'] });
      });

      test('401: no credential gets the bare challenge and ERR-4001 problem+json; garbage is invalid_token', async () => {
        const res = await fetch(`${api.url}/whoami`);
        assert.equal(res.status, 401);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="gatehouse"');
        assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        assert.equal(((await res.json()) as { code: string }).code, 'ERR-4001');
        const garbage = await fetch(`${api.url}/whoami`, { headers: { authorization: 'Bearer garbage' } });
        assert.equal(garbage.status, 401);
        assert.equal(((await garbage.json()) as { error: string }).error, 'invalid_token');
      });

      test('403: a missing scope names it in the challenge; a foreign memory space is refused', async () => {
        const scope = await fetch(`${api.url}/v1/spaces/tenant_b/remember`, { method: 'POST', headers: { 'x-api-key': reader.key } });
        assert.equal(scope.status, 403);
        assert.match(
          scope.headers.get('www-authenticate') ?? '',
          /error="insufficient_scope", error_description="Missing scope: memories:write", scope="memories:write"/,
        );
        const space = await fetch(`${api.url}/v1/spaces/tenant_a/recall`, { headers: { 'x-api-key': reader.key } });
        assert.equal(space.status, 403);
        assert.equal(((await space.json()) as { code: string }).code, 'ERR-6003');
      });

      test('an expired token is refused locally with token_expired', async () => {
        t.clock.advance(16 * 60_000);
        try {
          const res = await fetch(`${api.url}/whoami`, { headers: bearer(a.access) });
          assert.equal(res.status, 401);
          assert.match(res.headers.get('www-authenticate') ?? '', /error_description="Token has expired"/);
        } finally {
          t.clock.advance(-16 * 60_000);
        }
      });
    });
  }
});

describe('checkRevocation: a logged-out session stops at the middleware within the cache time', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => t.close());

  test('session tokens are confirmed with the decision API (cached); after logout they are refused', async () => {
    const a = await registerOrg(t, 'mw-revocation');
    const gatehouseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const calls: string[] = [];
    const api = await FRAMEWORKS.fastify?.({
      url: gatehouseUrl,
      issuer: t.config.issuer,
      now: () => t.clock.now(),
      cacheTtlMs: 5_000,
      fetch: (input, init) => {
        calls.push(String(input));
        return fetch(input, init);
      },
      checkRevocation: true,
    });
    assert.ok(api);
    try {
      assert.equal((await fetch(`${api.url}/whoami`, { headers: bearer(a.access) })).status, 200);
      assert.equal(calls.length, 1, 'the session token was confirmed once');
      const out = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(a.access), payload: {} });
      assert.ok(out.statusCode < 300, out.body);
      assert.equal((await fetch(`${api.url}/whoami`, { headers: bearer(a.access) })).status, 200, 'cached');
      t.clock.advance(6_000);
      const res = await fetch(`${api.url}/whoami`, { headers: bearer(a.access) });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /error_description="Token has been revoked"/);
    } finally {
      await api.close();
    }
  });
});
