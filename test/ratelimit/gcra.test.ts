/**
 * The limiter's arithmetic and its stores: a simulated clock offers steady loads below, at and
 * far above the limit over 50 windows; concurrent requests are counted exactly on one node and
 * across three nodes sharing Redis.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { createLogger } from '../../src/lib/logger.ts';
import { type Decision, describeStep, gcraStep, type Policy } from '../../src/ratelimit/gcra.ts';
import { LimitsRedis } from '../../src/ratelimit/redis.ts';
import { createRedisStore } from '../../src/ratelimit/redis-store.ts';
import { createMemoryStore, type LimitStore } from '../../src/ratelimit/store.ts';

const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = createLogger('silent');
const connections: LimitsRedis[] = [];
after(() => {
  for (const c of connections) c.close();
});

async function redisStore(prefix: string): Promise<LimitStore> {
  const r = new LimitsRedis(REDIS_URL, silent);
  connections.push(r);
  await r.waitReady();
  return createRedisStore(r, prefix);
}

const policy = (limit: number, burst = limit): Policy => ({ name: 'test', limit, windowMs: 60_000, burst });
const consume = async (store: LimitStore, key: string, p: Policy, now: number): Promise<Decision> =>
  describeStep('user', await store.step(key, p, now), now, p);
const freshPrefix = () => `gatehouse:test:${randomBytes(6).toString('hex')}:`;

const stores: [string, () => LimitStore | Promise<LimitStore>][] = [
  ['memory', () => createMemoryStore()],
  ['redis', () => redisStore(freshPrefix())],
];

test('a fresh bucket allows a burst, reports what remains, and says when to retry', () => {
  const p = policy(10);
  let tat: number | undefined;
  const now = 1_000_000;
  for (let i = 0; i < 10; i++) {
    const s = gcraStep(tat, now, p);
    assert.equal(s.allowed, true);
    tat = s.tat;
    assert.equal(describeStep('user', s, now, p).remaining, 9 - i);
  }
  const refused = gcraStep(tat, now, p);
  assert.equal(refused.allowed, false);
  const d = describeStep('user', refused, now, p);
  assert.equal(d.remaining, 0);
  assert.equal(d.retryAfterMs, 6000, 'one request every 6 s at 10/min');
  assert.equal(d.resetAt, now + 60_000, 'full again after a minute');
  assert.equal(gcraStep(tat, now + 6000, p).allowed, true);
});

for (const [name, make] of stores) {
  describe(`offered load over 50 windows (${name})`, () => {
    for (const limit of [5, 100]) {
      for (const factor of [0.9, 1, 10]) {
        test(`limit ${limit}/min at ${factor}× the limit`, async () => {
          const store = await make();
          const p = policy(limit);
          const windows = 50;
          const offered = Math.round(limit * factor * windows);
          const spacing = (windows * p.windowMs) / offered;
          const start = Date.UTC(2026, 0, 1);
          let admitted = 0;
          for (let i = 0; i < offered; i++) {
            const d = await consume(store, 'bucket', p, start + Math.floor(i * spacing));
            if (d.allowed) admitted++;
          }
          if (factor <= 1) assert.ok(admitted >= 0.99 * offered, `admitted ${admitted} of ${offered}`);
          else {
            const ratio = admitted / (limit * windows);
            assert.ok(ratio >= 1 && ratio <= 1.05, `admitted ${admitted}: ${ratio.toFixed(3)} × limit × windows`);
          }
        });
      }
    }
  });

  test(`100 concurrent requests against a limit of 10: exactly 10 pass (${name})`, async () => {
    const store = await make();
    const now = Date.UTC(2026, 0, 1);
    const results = await Promise.all(Array.from({ length: 100 }, () => consume(store, 'hot', policy(10), now)));
    assert.equal(results.filter((d) => d.allowed).length, 10);
    assert.ok(results.filter((d) => !d.allowed).every((d) => d.retryAfterMs > 0 && d.remaining === 0));
  });
}

test('three nodes sharing Redis: 100 concurrent requests against a limit of 10, exactly 10 pass', async () => {
  const prefix = freshPrefix();
  const nodes = await Promise.all([redisStore(prefix), redisStore(prefix), redisStore(prefix)]);
  const now = Date.UTC(2026, 0, 1);
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => consume(nodes[i % 3] ?? (nodes[0] as LimitStore), 'shared', policy(10), now)),
  );
  assert.equal(results.filter((d) => d?.allowed).length, 10);
});

test('the memory store stays bounded', async () => {
  const store = createMemoryStore(1000);
  const now = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 5000; i++) await consume(store, `k${i}`, policy(10), now);
  const d = await consume(store, 'k4999', policy(10), now);
  assert.equal(d.remaining, 8, 'recent buckets are kept');
});
