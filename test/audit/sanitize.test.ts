/** Redaction: no secret-looking detail, header or token shape survives into an audit event. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { REDACTED, redactSecrets, sanitizeEvent } from '../../src/audit/sanitize.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import type { Storage } from '../../src/storage/index.ts';
import { BACKENDS, openTestStorage } from '../support/backends.ts';
import { recordStoredAuditEvents, registerSecret } from '../support/secrets-watch.ts';
import { auditLogFor, event } from './support.ts';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJlLXZhbHVlLWhlcmU';
const API_KEY = `sk_live_${'Ab3'.repeat(13)}`;
const REFRESH = 'ghr_Zq8xN3vT0pL5kR7mW2yB4cD6fH9jK1sA';
const RANDOM = 'q9XbT4mN2vL8kR6pW3yZ7cD5';
const PASSWORD = 'correct horse battery staple 42';
for (const s of [JWT, API_KEY, REFRESH, RANDOM, PASSWORD]) registerSecret(s);

test('secret-named detail keys are redacted; ids, counts and types of them are not', () => {
  const { details } = sanitizeEvent(
    event({
      details: {
        password: PASSWORD,
        new_password: PASSWORD,
        client_secret: 'x',
        refresh_token: REFRESH,
        api_key: API_KEY,
        key: 'abc',
        private_key: 'pem',
        Authorization: 'Bearer x',
        token_id: 'jti-1',
        key_prefix: 'sk_live_Ab3A',
        sessions_revoked: 2,
        role: 'admin',
        grace_period_seconds: 60,
        auth_mode: 'jwt',
        code: 'ERR-6001',
        authorization_code: 'abc',
      },
    }),
  );
  assert.deepEqual(details, {
    password: REDACTED,
    new_password: REDACTED,
    client_secret: REDACTED,
    refresh_token: REDACTED,
    api_key: REDACTED,
    key: REDACTED,
    private_key: REDACTED,
    Authorization: REDACTED,
    token_id: 'jti-1',
    key_prefix: 'sk_live_Ab3A',
    sessions_revoked: 2,
    role: 'admin',
    grace_period_seconds: 60,
    auth_mode: 'jwt',
    code: 'ERR-6001',
    authorization_code: REDACTED,
  });
});

test('secret-shaped values are redacted wherever they hide; ordinary text is kept', () => {
  const { details, userAgent, actorId, targetId, requestId } = sanitizeEvent(
    event({
      actor: { type: 'external', id: JWT },
      target: { type: 'api_key', id: API_KEY },
      userAgent: `curl/8.5.0 ${JWT}`,
      requestId: REFRESH,
      details: {
        note: `sent Authorization: Bearer ${RANDOM}`,
        reason: `reused ${REFRESH}`,
        blob: RANDOM,
        scope: 'contexts:read contexts:write',
        user: 'usr_01jd8x3m5q2w7e9r4t6y8u0i2o',
        nested: { a: 1 } as unknown as string,
      },
    }),
  );
  assert.equal(actorId, REDACTED);
  assert.equal(targetId, REDACTED);
  assert.equal(userAgent, `curl/8.5.0 ${REDACTED}`);
  assert.equal(requestId, REDACTED);
  assert.deepEqual(details, {
    note: `sent Authorization: ${REDACTED}`,
    reason: `reused ${REDACTED}`,
    blob: REDACTED,
    scope: 'contexts:read contexts:write',
    user: 'usr_01jd8x3m5q2w7e9r4t6y8u0i2o',
    nested: REDACTED,
  });
  assert.equal(
    redactSecrets('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0'),
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0',
  );
});

test('sizes are capped and control characters dropped', () => {
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
  const e = sanitizeEvent(
    event({
      action: `x.${'a'.repeat(500)}`,
      userAgent: `agent\n${'u'.repeat(5000)}`,
      ip: '1'.repeat(500),
      details: { ...many, long: 'v'.repeat(5000) },
    }),
  );
  assert.ok(e.action.length <= 100);
  assert.ok(e.userAgent !== null && e.userAgent.length <= 256 && !e.userAgent.includes('\n'));
  assert.ok(e.ip !== null && e.ip.length <= 64);
  assert.equal(Object.keys(e.details).length, 20);
  assert.equal(sanitizeEvent(event({ details: { long: 'v'.repeat(5000) } })).details.long?.toString().length, 200);
  assert.equal(sanitizeEvent(event({ outcome: 'weird' as 'success' })).outcome, 'failure');
});

for (const backend of BACKENDS) {
  describe(`redaction end to end (${backend})`, () => {
    let storage: Storage;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ storage, dispose } = await openTestStorage(backend));
    });
    after(async () => {
      // The suite-wide scan (test/scan/secrets.scan.ts) checks these rows for the secrets above.
      await recordStoredAuditEvents(storage.db);
      await dispose();
    });

    test('stored rows carry none of the secrets the events were given', async () => {
      const { audit } = auditLogFor(storage, new ManualClock());
      audit.record(
        event({
          userAgent: `agent ${API_KEY}`,
          details: { password: PASSWORD, token: JWT, note: `refresh ${REFRESH}`, blob: RANDOM },
        }),
      );
      await audit.close();
      const rows = await storage.db.selectFrom('audit_events').selectAll().execute();
      assert.equal(rows.length, 1);
      const stored = JSON.stringify(rows);
      for (const secret of [JWT, API_KEY, REFRESH, RANDOM, PASSWORD]) assert.ok(!stored.includes(secret), `${secret.slice(0, 6)}… stored`);
    });
  });
}
