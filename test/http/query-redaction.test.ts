/**
 * No query string reaches a log line unredacted: not the access log, not our error log, not
 * Fastify's own lines (the failing-write path logged the full URL). Every credential used here is
 * registered with the suite-wide secret scan as well (test/scan/secrets.scan.ts).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { redactQueriesIn, redactQuery } from '../../src/lib/redact-url.ts';
import { createKey, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { registerSecret } from '../support/secrets-watch.ts';

test('redactQuery keeps the path and the names, never a value', () => {
  assert.equal(redactQuery('/v1/x'), '/v1/x');
  assert.equal(redactQuery('/v1/x?api_key=sk_live_abc&limit=5'), '/v1/x?api_key=[redacted]&limit=[redacted]');
  assert.equal(redactQuery('/v1/x?sk_live_abc'), '/v1/x?[redacted]');
  assert.equal(redactQueriesIn('Route GET:/v1/x?access_token=abc not found'), 'Route GET:/v1/x?access_token=[redacted] not found');
  assert.equal(redactQueriesIn('is this a question?'), 'is this a question?');
});

test('the logger redacts URLs in req objects, error messages and stacks, and message strings', () => {
  const lines: string[] = [];
  const log = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    }),
  );
  const secret = 'sk_live_queryMustNeverBeLogged0123456789ab';
  log.info({ req: { method: 'GET', url: `/v1/a?api_key=${secret}`, ip: '127.0.0.1' } }, 'incoming');
  log.error({ err: new Error(`Reply was already sent in "/v1/a?access_token=${secret}"`) }, 'failed');
  log.warn(`Route GET:/v1/a?token=${secret} not found`);
  log.child({ request_id: 'r' }).info({ req: { url: `/x?${secret}` } }, 'child');
  assert.equal(lines.length, 4);
  for (const line of lines) {
    assert.ok(!line.includes(secret), line);
    assert.match(line, /\[redacted\]/);
  }
});

describe('query strings in the logs of a running app', () => {
  let t: TestApp;
  let extra: FastifyInstance;
  let key = '';
  const token = 'queryTokenThatIsSecret-0123456789abcdef';

  before(async () => {
    t = await createTestApp('sqlite');
    registerSecret(token);
    const owner = await registerOrg(t);
    key = (await createKey(t, owner.access, { name: 'q', scopes: ['*'] })).key;
    // The same services behind routes that fail the two ways Fastify logs a request itself.
    extra = await buildApp(t.services, async (app) => {
      app.get('/test/throws', { config: { rateLimit: false } }, async () => {
        throw new Error('an unexpected failure');
      });
      app.get('/test/bad-header', { config: { rateLimit: false } }, async (_req, reply) => {
        reply.header('x-broken', 'a\r\nb');
        return { ok: true };
      });
    });
  });
  after(async () => {
    await extra.close();
    await t.close();
  });

  test('a key in ?api_key= or a token in ?access_token= is in no log line, on any path', async () => {
    const query = `?api_key=${key}&access_token=${token}&other=${token}`;
    const requests: [string, string, Record<string, string>?][] = [
      ['GET', `/v1/auth/me${query}`],
      ['POST', `/v1/auth/check${query}`, { 'x-api-key': key }],
      ['GET', `/health${query}`],
      ['GET', `/v1/nope${query}`],
      ['DELETE', `/health${query}`],
      ['GET', `/v1/api-keys/%ZZ${query}`],
    ];
    for (const [method, url, headers] of requests) {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        headers: headers ?? {},
        ...(method === 'POST' ? { payload: {} } : {}),
      });
      assert.ok(res.statusCode < 500, `${method} ${url.slice(0, 20)}: ${res.statusCode}`);
    }
    for (const url of ['/test/throws', '/test/bad-header']) {
      const res = await extra.inject({ method: 'GET', url: `${url}${query}` });
      assert.equal(res.statusCode, 500, url);
      assert.ok(!res.body.includes(token) && !res.body.includes(key), `${url}: the answer echoes the query`);
    }
    const text = t.logs.map((l) => JSON.stringify(l)).join('\n');
    assert.ok(text.length > 0);
    for (const secret of [key, token]) assert.ok(!text.includes(secret), `a query credential reached the log: ${secret.slice(0, 8)}…`);
    // Fastify's own line for the failed write was there, with the URL redacted.
    assert.ok(
      t.logs.some((l) => JSON.stringify(l).includes('api_key=[redacted]')),
      'no request line with a redacted URL: the failing-write path was not exercised',
    );
  });
});
