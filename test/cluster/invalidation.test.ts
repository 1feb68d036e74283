import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createLocalBus, createRedisBus } from '../../src/cluster/invalidation.ts';

const REDIS = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = pino({ level: 'silent' });

test('local bus: a publish reaches subscribers of its topic only, synchronously', () => {
  const bus = createLocalBus();
  const seen: string[] = [];
  bus.subscribe('api_key', (id) => seen.push(`k:${id}`));
  bus.subscribe('session', (id) => seen.push(`s:${id}`));
  bus.publish('api_key', 'key_1');
  assert.deepEqual(seen, ['k:key_1']);
});

test('Redis bus: an invalidation on one node reaches the others, and the publisher at once', async () => {
  // A channel of this test's own: other suites publish on the shared Redis at the same time.
  const channel = `test:${process.pid}:${Date.now()}:invalidate`;
  const a = createRedisBus(REDIS, silent, channel);
  const b = createRedisBus(REDIS, silent, channel);
  const c = createRedisBus(REDIS, silent, channel);
  try {
    await new Promise((r) => setTimeout(r, 200)); // let the subscribers attach
    const onA: string[] = [];
    const onB: string[] = [];
    const received = new Promise<string>((resolve) => b.subscribe('session', resolve));
    const onC = new Promise<string>((resolve) => c.subscribe('session', resolve));
    a.subscribe('session', (id) => onA.push(id));
    b.subscribe('api_key', (id) => onB.push(id));
    a.publish('session', 'ses_1');
    assert.deepEqual(onA, ['ses_1']);
    assert.equal(await received, 'ses_1');
    assert.equal(await onC, 'ses_1');
    assert.deepEqual(onB, []);
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});

test('Redis bus: Redis down never throws; local invalidation still works', async () => {
  const bus = createRedisBus('redis://127.0.0.1:1', silent);
  const seen: string[] = [];
  bus.subscribe('api_key', (id) => seen.push(id));
  bus.publish('api_key', 'key_2');
  assert.deepEqual(seen, ['key_2']);
  await bus.close();
});
