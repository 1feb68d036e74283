import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ARGON2_NICE, argon2Pool } from '../../src/credentials/argon2-pool.ts';
import { hashPassword, verifyPassword } from '../../src/credentials/passwords.ts';

const CHEAP = { algorithm: 2, memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;

test('hashes and verifies on the pool: the right password, a wrong one, a malformed hash, no hash', async () => {
  const stored = await hashPassword('correct horse battery');
  assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await verifyPassword(stored, 'correct horse battery'), true);
  assert.equal(await verifyPassword(stored, 'correct horse battery!'), false);
  assert.equal(await verifyPassword('$argon2id$not-a-hash', 'correct horse battery'), false);
  assert.equal(await verifyPassword(undefined, 'correct horse battery'), false);
  assert.equal(await verifyPassword('', 'correct horse battery'), false);
});

test('more jobs than threads queue and all finish; each answer goes to its own caller', async () => {
  const pool = argon2Pool(1);
  const passwords = Array.from({ length: 6 }, (_, i) => `password number ${i}`);
  const hashes = await Promise.all(passwords.map((p) => pool.hash(p, CHEAP)));
  assert.equal(new Set(hashes).size, 6);
  const checks = await Promise.all(hashes.map((h, i) => pool.verify(h, passwords[(i + 1) % 6] ?? '')));
  assert.deepEqual(checks, [false, false, false, false, false, false]);
  assert.deepEqual(await Promise.all(hashes.map((h, i) => pool.verify(h, passwords[i] ?? ''))), [true, true, true, true, true, true]);
  assert.equal(pool.threads().length, 1, 'never more threads than its size');
  await assert.rejects(pool.hash('x', { ...CHEAP, memoryCost: 1 }), /^Error: argon2: /);
});

test('on Linux the hashing threads run below the priority of the thread that serves requests', async (t) => {
  if (process.platform !== 'linux') return t.skip('thread priorities are set through /proc on Linux');
  const pool = argon2Pool(2);
  await Promise.all([pool.hash('first password', CHEAP), pool.hash('second password', CHEAP)]);
  const threads = pool.threads();
  assert.equal(threads.length, 2);
  const niceOf = (tid: number) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);
  const own = niceOf(process.pid);
  assert.ok(own < 19, 'this test needs a process that is not already at the lowest priority');
  for (const { tid, nice } of threads) {
    assert.equal(nice, Math.min(19, own + ARGON2_NICE));
    assert.equal(niceOf(tid), nice, 'the kernel says so too');
  }
  assert.equal(niceOf(process.pid), own, 'the event-loop thread keeps its priority');
});

test('an idle pool does not keep a process alive (a CLI exits once its hash is done)', () => {
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      "const { hashPassword } = await import('./src/credentials/passwords.ts'); console.log((await hashPassword('a long password')).slice(0, 9));",
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(out.trim(), '$argon2id');
});
