import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiringCache } from '../../src/lib/expiring-cache.ts';

test('entries expire at their own time; hits and misses are counted', () => {
  const c = new ExpiringCache<string>(10);
  c.set('a', 'x', 100);
  c.set('b', 'y', 200);
  assert.equal(c.get('a', 99), 'x');
  assert.equal(c.get('a', 100), undefined, 'expired at its time');
  assert.equal(c.get('b', 150), 'y');
  assert.equal(c.size, 1, 'the expired entry was dropped');
  assert.deepEqual([c.hits, c.misses], [2, 1]);
});

test('a full cache drops the entry written first; a rewrite updates in place; capacity 0 keeps nothing', () => {
  const c = new ExpiringCache<number>(2);
  c.set('a', 1, 1000);
  c.set('b', 2, 1000);
  c.set('a', 3, 2000); // updated in place: still the first written
  assert.equal(c.get('a', 1500), 3, 'the new expiry applies');
  c.set('c', 4, 1000);
  assert.equal(c.get('a', 0), undefined);
  assert.equal(c.get('b', 0), 2);
  assert.equal(c.get('c', 0), 4);
  c.deleteWhere((v) => v === 4);
  assert.equal(c.size, 1);
  c.clear();
  assert.equal(c.size, 0);
  const none = new ExpiringCache<number>(0);
  none.set('a', 1, 1000);
  assert.equal(none.get('a', 0), undefined);
});
