/**
 * Rule 4: bad input gets a clear 4xx with a stable code, never a 500 — on every route, read from
 * the app's own OpenAPI document so a new route cannot escape: bodies nested too deeply, hostile
 * strings in every body field, malformed memory-space names, disguised names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { BACKENDS } from '../support/backends.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  oneOf?: JsonSchema[];
}

interface Operation {
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** A JSON body nested `depth` levels deep, as text (building it as an object would overflow the test's own stack). */
export const deepJson = (depth: number, inner = '{}') => `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

/** Strings that once made a route fail after validation: controls, CR/LF, bidi, lone surrogates, path tricks. */
const HOSTILE = ['a\u0000b', 'a\r\nb', '\u202Eevil', 'x\ud800', '../../x', '   ', 'é'];

/** Names that disguise what they show, each refused with ERR-1051. */
export const DISGUISED_NAMES = [
  '\u202Eevil',
  'a\u202Ab',
  'a\u2066b',
  'a\u2069',
  'a\u200Bb',
  'a\u200Db',
  '\uFEFFa',
  'a\u2060b',
  'a\u2028b',
  'a\u2029b',
  'x\ud800',
  'x\udc00y',
  '   ',
  '\u3000\u00a0',
  'a\u0007b',
];

for (const backend of BACKENDS) {
  describe(`input handling on every route (${backend})`, () => {
    let t: TestApp;
    let owner: Registered;
    let ownerKey = '';
    let targetKeyId = '';
    let invitationId = '';
    let spaceId = '';

    before(async () => {
      t = await createTestApp(backend);
      owner = await registerOrg(t, `alpha-${backend}`);
      const space = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${owner.slug}/memory-spaces`,
        headers: bearer(owner.access),
        payload: { name: 'tenant_a' },
      });
      assert.equal(space.statusCode, 201, space.body);
      spaceId = space.json().id;
      ownerKey = (await createKey(t, owner.access, { name: 'fuzz', scopes: ['*'] })).key;
      targetKeyId = (await createKey(t, owner.access, { name: 'target', scopes: ['contexts:read'] })).id;
      const inv = await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${owner.slug}/invitations`,
        headers: bearer(owner.access),
        payload: { email: 'invitee@example.com', role: 'member' },
      });
      invitationId = inv.json().id ?? 'inv_x';
    });
    after(() => t.close());

    /** Every operation of the OpenAPI document, its path filled with objects of the owner's organization. */
    function operations(): { method: Method; url: string; path: string; op: Operation }[] {
      const doc = t.app.swagger() as { paths: Record<string, Record<string, Operation>> };
      const out: { method: Method; url: string; path: string; op: Operation }[] = [];
      for (const [path, ops] of Object.entries(doc.paths)) {
        const url = path
          .replace('{org}', owner.slug)
          .replace('{user_id}', owner.userId)
          .replace('{space}', spaceId)
          .replace('{id}', path.includes('invitations') ? invitationId : targetKeyId);
        for (const [method, op] of Object.entries(ops)) out.push({ method: method.toUpperCase() as Method, url, path, op });
      }
      assert.ok(out.length >= 35, `only ${out.length} operations found`);
      return out;
    }

    const isProblem = (res: LightMyRequestResponse) => /^application\/problem\+json/.test(String(res.headers['content-type']));

    test('a body nested 5,000 deep: 400 json_too_deep on every route that takes a body (401 first on protected routes without a credential)', async () => {
      const isProtected = (method: string, path: string) =>
        t.app.protectedRoutes.some((r) => r.method === method && r.url === path.replace(/\{(\w+)\}/g, ':$1'));
      let checked = 0;
      for (const { method, url, path } of operations()) {
        // Forward-auth never reads a body: it decides on the original request's headers.
        if (method === 'GET' || path.startsWith('/v1/forward-auth')) continue;
        for (const credential of [false, true]) {
          const headers: Record<string, string> = { 'content-type': 'application/json', ...(credential ? { 'x-api-key': ownerKey } : {}) };
          const res: LightMyRequestResponse = await t.app.inject({ method, url, headers, payload: deepJson(5000) });
          if (path.startsWith('/oauth/')) {
            // OAuth endpoints answer RFC 6749 bodies: a 400 (or 401 invalid_client) with an `error` word, never a 500.
            assert.ok([400, 401].includes(res.statusCode), `${method} ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
            assert.equal(typeof res.json().error, 'string', `${method} ${url}: ${res.body.slice(0, 200)}`);
            checked++;
            continue;
          }
          const expected: string = !credential && isProtected(method, path) ? 'ERR-4001' : 'ERR-1050';
          assert.equal(res.json().code, expected, `${method} ${url}: ${res.body.slice(0, 200)}`);
          checked++;
        }
      }
      assert.ok(checked >= 40, `only ${checked} requests`);
      // The parser itself: 400,000 levels of arrays (800 KB, inside the body limit), and a deep
      // `__proto__` member (the prototype-poisoning scan walks it): 400s, never a stack overflow.
      const arrays = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: `${'['.repeat(400_000)}${']'.repeat(400_000)}`,
      });
      assert.equal(arrays.json().code, 'ERR-1050', arrays.body.slice(0, 200));
      const proto = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: `{"__proto__":${deepJson(50_000)}}`,
      });
      assert.equal(proto.statusCode, 400, proto.body.slice(0, 200));
      // A body inside the bound is parsed as usual (then refused or accepted on its merits).
      const fine = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/check',
        headers: { 'x-api-key': ownerKey, 'content-type': 'application/json' },
        payload: '{"required_scopes":["contexts:read"]}',
      });
      assert.equal(fine.statusCode, 200, fine.body);
    });

    test('API-key metadata: 5,000 deep and 6 deep are 400 json_too_deep; 5 deep is kept, on create and on update', async () => {
      const create = (metadata: string) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: { ...bearer(owner.access), 'content-type': 'application/json' },
          payload: `{"name":"meta","scopes":["contexts:read"],"metadata":${metadata}}`,
        });
      for (const depth of [5000, 5]) {
        const res = await create(deepJson(depth));
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().code, 'ERR-1050');
      }
      const ok = await create(deepJson(4));
      assert.equal(ok.statusCode, 201, ok.body);
      assert.deepEqual(ok.json().metadata, JSON.parse(deepJson(4)));
      const id = ok.json().id as string;
      const patch = (metadata: string) =>
        t.app.inject({
          method: 'PATCH',
          url: `/v1/api-keys/${id}`,
          headers: { ...bearer(owner.access), 'content-type': 'application/json' },
          payload: `{"metadata":${metadata}}`,
        });
      assert.equal((await patch(deepJson(5))).json().code, 'ERR-1050');
      assert.equal((await patch(deepJson(5000))).json().code, 'ERR-1050');
      const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]));
      assert.equal((await patch(JSON.stringify(many))).statusCode, 400);
      assert.equal((await patch('{"team":"core"}')).statusCode, 200);
    });

    test('hostile strings in every body field of every route: a 4xx problem or a success, never a 500', async () => {
      let checked = 0;
      for (const { method, url, path, op } of operations()) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        // Logging out would end nothing of interest here and is Rule 2's business.
        if (!schema?.properties || path === '/v1/auth/logout') continue;
        for (const [field, prop] of Object.entries(schema.properties)) {
          const types = [prop.type, ...(prop.oneOf ?? []).map((o) => o.type)].flat();
          const arrayOfStrings = types.includes('array');
          if (!types.includes('string') && !arrayOfStrings) continue;
          for (const value of HOSTILE) {
            const res = await t.app.inject({
              method,
              url,
              headers: { 'x-api-key': ownerKey },
              payload: { [field]: arrayOfStrings && !types.includes('string') ? [value] : value },
            });
            assert.ok(
              res.statusCode < 500,
              `${method} ${path} ${field}=${JSON.stringify(value)}: ${res.statusCode} ${res.body.slice(0, 200)}`,
            );
            if (res.statusCode >= 400) assert.ok(isProblem(res), `${method} ${path} ${field}: not a problem: ${res.body.slice(0, 120)}`);
            for (const [name, v] of Object.entries(res.headers)) {
              assert.ok(/^[\x20-\x7e]*$/.test(String(v)), `${method} ${path}: header ${name} holds ${JSON.stringify(v)}`);
            }
            checked++;
          }
        }
      }
      assert.ok(checked >= 200, `only ${checked} requests`);
    });

    test('hostile path and query parameters on every route: a 4xx problem or a success, never a 500', async () => {
      const doc = t.app.swagger() as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };
      const values = ['%00', 'a%00b', '%0D%0A', '%E2%80%AE', '%ED%A0%80', '..%2F..%2Fx', '%C3%A9', 'x'.repeat(300)];
      let checked = 0;
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          if (path === '/v1/auth/logout') continue;
          for (const p of op.parameters ?? []) {
            if (p.in !== 'query' && p.in !== 'path') continue;
            for (const v of values) {
              let url = path.replace(/\{[a-z_]+\}/g, (x) => (x === `{${p.name}}` ? v : x === '{org}' ? owner.slug : 'x'));
              if (p.in === 'query') url += `?${p.name}=${v}`;
              const res = await t.app.inject({
                method: method.toUpperCase() as Method,
                url,
                headers: { 'x-api-key': ownerKey },
                ...(method === 'get' || method === 'delete' ? {} : { payload: {} }),
              });
              assert.ok(res.statusCode < 500, `${method} ${url.slice(0, 80)}: ${res.statusCode} ${res.body.slice(0, 160)}`);
              checked++;
            }
          }
        }
      }
      assert.ok(checked >= 150, `only ${checked} requests`);
    });

    test('an invalid scope echoed in a 400 keeps the WWW-Authenticate challenge printable ASCII', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/check',
        headers: bearer(owner.access),
        payload: { required_scopes: ['é\u2028\r\nx"\\'] },
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, 'ERR-1001');
      assert.match(
        String(res.headers['www-authenticate']),
        /^Bearer realm="gatehouse", error="invalid_request", error_description="[\x20-\x7e]+"$/,
      );
    });

    test('names that disguise text: 400 invalid_name on every name field; honest Unicode names pass', async () => {
      const ownerSend = (method: Method, url: string, payload: object) =>
        t.app.inject({ method, url, headers: bearer(owner.access), payload });
      const fields: [string, (name: string) => Promise<LightMyRequestResponse>][] = [
        [
          'organization_name',
          (n) =>
            t.app.inject({
              method: 'POST',
              url: '/v1/organizations/register',
              payload: {
                organization_name: n,
                organization_slug: 'nm-org',
                admin_email: 'nm@example.com',
                admin_name: 'Names',
                admin_password: 'a long password 1',
              },
            }),
        ],
        [
          'admin_name',
          (n) =>
            t.app.inject({
              method: 'POST',
              url: '/v1/organizations/register',
              payload: {
                organization_name: 'Names',
                organization_slug: 'nm-org',
                admin_email: 'nm@example.com',
                admin_name: n,
                admin_password: 'a long password 1',
              },
            }),
        ],
        [
          'user name',
          (n) =>
            t.app.inject({
              method: 'POST',
              url: '/v1/auth/register',
              payload: { email: 'nm2@example.com', password: 'a long password 2', name: n },
            }),
        ],
        ['organization rename', (n) => ownerSend('PATCH', `/v1/organizations/${owner.slug}`, { name: n })],
        ['key name', (n) => ownerSend('POST', '/v1/api-keys', { name: n, scopes: ['contexts:read'] })],
        ['key rename', (n) => ownerSend('PATCH', `/v1/api-keys/${targetKeyId}`, { name: n })],
        [
          'invitation acceptance name',
          (n) =>
            t.app.inject({
              method: 'POST',
              url: '/v1/invitations/accept',
              payload: { token: 'inv_x', password: 'a long password 3', name: n },
            }),
        ],
      ];
      for (const [field, send] of fields) {
        for (const name of DISGUISED_NAMES) {
          const res = await send(name);
          assert.equal(res.statusCode, 400, `${field} ${JSON.stringify(name)}: ${res.body.slice(0, 200)}`);
          assert.equal(res.json().code, 'ERR-1051', `${field} ${JSON.stringify(name)}: ${res.body.slice(0, 200)}`);
        }
      }
      // Honest names in any script are names.
      for (const name of ['Zoë Ünïcode', 'مرحبا بالعالم', '日本語の鍵', 'O’Brien & Co.']) {
        const res = await ownerSend('POST', '/v1/api-keys', { name, scopes: ['contexts:read'] });
        assert.equal(res.statusCode, 201, `${name}: ${res.body}`);
        assert.equal(res.json().name, name);
      }
      // Memory spaces follow their naming rule (ERR-1052); emails refuse disguising characters too.
      for (const name of ['a b', '../../x', 'é', '\u202Ex']) {
        const res = await ownerSend('POST', `/v1/organizations/${owner.slug}/memory-spaces`, { name });
        assert.equal(res.json().code, 'ERR-1052', `${JSON.stringify(name)}: ${res.body}`);
      }
      const email = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'a\u202E@example.com', password: 'a long password 4' },
      });
      assert.equal(email.statusCode, 400, email.body);
    });
  });
}
