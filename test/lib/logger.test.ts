import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/lib/logger.ts';

test('credentials are redacted wherever a careless log call puts them', () => {
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
  const secret = 'sk_live_thisMustNeverBeLogged0123456789abcd';
  log.info({ password: secret, token: secret, key: secret }, 'top level');
  log.info({ body: { admin_password: secret, refresh_token: secret }, req: { body: { client_secret: secret } } }, 'bodies');
  log.info({ headers: { authorization: `Bearer ${secret}`, 'x-api-key': secret, cookie: secret } }, 'headers');
  log.info({ req: { headers: { authorization: `Bearer ${secret}` } }, err: { token: secret }, input: { api_key: secret } }, 'nested');
  log.child({ request_id: 'req_1' }).info({ user: { password: secret } }, 'child');
  assert.equal(lines.length, 5);
  for (const line of lines) {
    assert.ok(!line.includes(secret), line);
    assert.match(line, /\[redacted\]/);
  }
});
