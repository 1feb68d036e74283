import assert from 'node:assert/strict';
import { test } from 'node:test';
import { semaphore } from '../../src/lib/semaphore.ts';

test('at most `slots` tasks run at once, in arrival order; a failing task frees its slot', async () => {
  const limited = semaphore(2);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const task = (i: number) => async () => {
    started.push(i);
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setImmediate(r));
    running--;
    if (i === 3) throw new Error('task 3 fails');
    return i;
  };
  const results = await Promise.allSettled([0, 1, 2, 3, 4, 5, 6].map((i) => limited(task(i))));
  assert.equal(peak, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed')),
    [0, 1, 2, 'failed', 4, 5, 6],
  );
  assert.equal(await limited(async () => 'free again'), 'free again');
});
