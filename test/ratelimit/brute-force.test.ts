/**
 * Brute-force protection on the login route: failures counted per account and per IP, then 429
 * with a growing Retry-After whether the password is right or not; unknown accounts answered
 * exactly like known ones; success resets the account. On this node's memory and on Redis.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { ConfigKey } from '../../src/config/index.ts';
import { failOnce } from '../../src/ratelimit/guard.ts';
import { problem, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import type { BackendName } from '../support/backends.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const apps: TestApp[] = [];
after(async () => {
  for (const a of apps) await a.close();
});

test('the lockout starts at the threshold, doubles with each attempt and stops growing at the window', () => {
  const rule = { threshold: 3, windowMs: 600_000, lockoutMs: 30_000 };
  let c: ReturnType<typeof failOnce> | undefined;
  const locks: number[] = [];
  for (let i = 0; i < 8; i++) {
    c = failOnce(c, 1000, rule);
    locks.push(c.lockedUntil === 0 ? 0 : c.lockedUntil - 1000);
  }
  assert.deepEqual(locks, [0, 0, 30_000, 60_000, 120_000, 240_000, 480_000, 600_000]);
  assert.equal(failOnce(c, 1000 + 600_001, rule).failures, 1, 'failures older than the window are forgotten');
});

/** Without Redis the counters live in the database (SQLite or PostgreSQL); with it, in Redis. */
const backends: [string, BackendName, Partial<Record<ConfigKey, unknown>>][] = [
  ['sqlite', 'sqlite', {}],
  ['postgres', 'postgres', {}],
  ['redis', 'sqlite', { redisUrl: REDIS_URL }],
];

for (const [name, backend, extra] of backends) {
  describe(`login brute-force protection (${name})`, () => {
    async function setup() {
      const t = await createTestApp(backend, { ...extra, redisKeyPrefix: `gatehouse:test:${randomBytes(6).toString('hex')}:` });
      apps.push(t);
      return { t, owner: await registerOrg(t) };
    }
    const attempt = (t: TestApp, email: string, password: string, ip = '198.51.100.20') =>
      t.app.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress: ip, payload: { email, password } });

    test('5 failures lock the account: even the right password gets 429, with a growing Retry-After', async () => {
      const { t, owner } = await setup();
      for (let i = 0; i < 5; i++) assert.equal((await attempt(t, owner.email, 'wrong password')).statusCode, 401);
      const locked = await attempt(t, owner.email, owner.password);
      assert.equal(locked.statusCode, 429);
      assert.equal(locked.json().code, 'ERR-7002');
      assert.equal(locked.headers['retry-after'], '60');
      assert.equal((await attempt(t, owner.email, owner.password)).headers['retry-after'], '120', 'each attempt extends the wait');
      const elsewhere = await attempt(t, owner.email, 'wrong', '198.51.100.21');
      assert.equal(elsewhere.statusCode, 429, 'the account is locked from every IP');
      assert.equal(elsewhere.headers['retry-after'], '240');
      t.clock.advance(239_000);
      assert.equal((await attempt(t, owner.email, owner.password)).statusCode, 429, 'still locked (and now for 480 s)');
      t.clock.advance(481_000);
      const ok = await attempt(t, owner.email, owner.password);
      assert.equal(ok.statusCode, 200, ok.body);
      registerSecret(ok.json().access_token);
      registerSecret(ok.json().refresh_token);
      assert.equal((await attempt(t, owner.email, 'wrong password')).statusCode, 401, 'a success reset the account counter');
    });

    test('an unknown account is counted and answered exactly like a known one', async () => {
      const { t, owner } = await setup();
      const known: unknown[] = [];
      const unknown: unknown[] = [];
      for (let i = 0; i < 7; i++) {
        const a = await attempt(t, owner.email, 'wrong password', '198.51.100.30');
        const b = await attempt(t, 'ghost@example.com', 'wrong password', '198.51.100.31');
        known.push([a.statusCode, a.headers['retry-after'], problem(a.body)]);
        unknown.push([b.statusCode, b.headers['retry-after'], problem(b.body)]);
      }
      assert.deepEqual(unknown, known);
    });

    test('one IP guessing across many accounts is locked after the IP threshold', async () => {
      const { t } = await setup();
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await attempt(t, `user${i}@example.com`, 'guess', '198.51.100.40')).statusCode);
      assert.deepEqual(statuses, [...Array(20).fill(401), 429]);
      assert.equal((await attempt(t, 'user0@example.com', 'guess', '198.51.100.41')).statusCode, 401, 'other IPs are unaffected');
    });

    test('failures count per account whatever the identifier: 5 wrong by email, then 4 wrong and the right one by username', async () => {
      const { t } = await setup();
      const password = `long enough pw ${randomBytes(4).toString('hex')}`;
      registerSecret(password);
      const reg = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'Dual.Id@example.com', username: 'dual-id', password },
      });
      assert.equal(reg.statusCode, 201, reg.body);
      registerSecret(reg.json().tokens.refresh_token);
      const byName = (pw: string, ip: string) =>
        t.app.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress: ip, payload: { username: 'DUAL-ID', password: pw } });
      // Each from its own IP: only the account counter can lock.
      for (let i = 0; i < 5; i++)
        assert.equal((await attempt(t, 'dual.id@example.com', 'wrong password', `203.0.113.${i}`)).statusCode, 401);
      for (let i = 0; i < 4; i++) assert.equal((await byName('wrong password', `203.0.113.${10 + i}`)).statusCode, 429);
      const right = await byName(password, '203.0.113.20');
      assert.equal(right.statusCode, 429, 'the account is locked whichever identifier names it');
      assert.equal((await attempt(t, 'dual.id@example.com', password, '203.0.113.21')).statusCode, 429);
    });

    test('an unknown username is counted like a known one, and never locks the account whose id it spells', async () => {
      const { t, owner } = await setup();
      for (let i = 0; i < 6; i++) {
        await t.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          remoteAddress: `203.0.113.${40 + i}`,
          payload: { username: owner.userId, password: 'wrong password' },
        });
      }
      const res = await attempt(t, owner.email, owner.password, '203.0.113.60');
      assert.equal(res.statusCode, 200, res.body);
      registerSecret(res.json().refresh_token);
    });
  });
}
