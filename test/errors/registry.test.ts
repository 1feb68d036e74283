import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { bearerChallenge, ERRORS, GatehouseError, toProblem } from '../../src/errors/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

test('every error code is unique, well-formed and maps to a 4xx/5xx status', () => {
  const codes = new Set<string>();
  for (const [name, spec] of Object.entries(ERRORS)) {
    assert.match(spec.code, /^ERR-\d{4}$/, name);
    assert.ok(!codes.has(spec.code), `duplicate ${spec.code}`);
    codes.add(spec.code);
    assert.ok(spec.status >= 400 && spec.status <= 599, name);
    assert.match(name, /^[a-z][a-z0-9_]*$/);
    assert.ok(spec.title.length > 0 && spec.description.length > 0, name);
  }
});

test('docs/errors.md lists every code with its anchor', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  for (const [name, spec] of Object.entries(ERRORS)) {
    assert.ok(doc.includes(`<a id="${spec.code.toLowerCase()}"></a>\`${spec.code}\` | \`${name}\``), `${spec.code} missing from docs`);
  }
});

test('problem bodies carry type, title, status, detail, code, error and request id', () => {
  const err = new GatehouseError('token_expired');
  assert.deepEqual(toProblem(err, 'req_1'), {
    type: '/docs/errors#err-4004',
    title: 'Token has expired',
    status: 401,
    detail: 'Token has expired',
    code: 'ERR-4004',
    error: 'token_expired',
    request_id: 'req_1',
  });
});

test('RFC 6750 challenges: bare realm without credentials, error and scope otherwise', () => {
  assert.equal(bearerChallenge(new GatehouseError('credentials_missing')), 'Bearer realm="gatehouse"');
  assert.equal(
    bearerChallenge(new GatehouseError('token_expired')),
    'Bearer realm="gatehouse", error="invalid_token", error_description="Token has expired"',
  );
  assert.equal(
    bearerChallenge(new GatehouseError('insufficient_scope', 'Missing scope: a:b', { scope: 'a:b' })),
    'Bearer realm="gatehouse", error="insufficient_scope", error_description="Missing scope: a:b", scope="a:b"',
  );
  assert.equal(bearerChallenge(new GatehouseError('slug_taken')), undefined);
});

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test('the OpenAPI document lists every error code in the Problem schema', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as { openapi: string; components: { schemas: { Problem: { properties: { code: { enum: string[] } } } } } };
  assert.equal(doc.openapi, '3.1.0');
  assert.deepEqual(
    [...doc.components.schemas.Problem.properties.code.enum].sort(),
    Object.values(ERRORS)
      .map((e) => e.code)
      .sort(),
  );
});
