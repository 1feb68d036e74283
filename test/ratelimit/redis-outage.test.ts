/**
 * A Redis outage for real: a private redis-server is stopped under a running Gatehouse, then
 * started again. Requests never fail with a 500, the outage and the recovery are each logged once,
 * and limits are shared through Redis again afterwards.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createTestApp, type TestApp } from '../support/app.ts';

let server: ChildProcess | undefined;
let t: TestApp | undefined;
after(async () => {
  await t?.close();
  server?.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  for (let i = 0; i < 50; i++) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      await sleep(100);
    }
  }
  probe.disconnect();
  throw new Error('redis-server did not start');
}

async function until(check: () => Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(50);
  }
}

test('Redis stops and comes back: no 500, one warning, one recovery line, shared limits again', async () => {
  const port = await freePort();
  server = await startRedis(port);
  t = await createTestApp('sqlite', { rateLimitEnabled: true, rateLimitAnonymous: 1000, redisUrl: `redis://127.0.0.1:${port}` });
  const app = t;
  const login = () =>
    app.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      remoteAddress: '192.0.2.70',
      payload: { email: 'x@example.com', password: 'not it' },
    });
  const messages = () => app.logs.map((l) => String(l.msg));

  assert.equal((await login()).headers['x-ratelimit-remaining'], '999');
  server.kill('SIGKILL');
  await new Promise((resolve) => server?.once('exit', resolve));
  const during = await login();
  assert.equal(during.statusCode, 401, 'answered from the in-memory fallback');
  assert.equal(during.headers['x-ratelimit-remaining'], '999', "this node's own bucket");
  await login();
  assert.equal(messages().filter((m) => m.startsWith('rate limits: Redis unavailable')).length, 1);

  server = await startRedis(port);
  // Recovery shows on the first command that succeeds after ioredis reconnects by itself.
  await until(async () => {
    await login();
    return messages().some((m) => m.startsWith('rate limits: Redis is back'));
  });
  const back = await login();
  assert.equal(back.statusCode, 401);
  assert.equal(messages().filter((m) => m.startsWith('rate limits: Redis is back')).length, 1);
  assert.equal(messages().filter((m) => m.startsWith('rate limits: Redis unavailable')).length, 1, 'no warning storm');
  const direct = new Redis(port, '127.0.0.1');
  assert.equal(await direct.exists('gatehouse:rl:anonymous:192.0.2.70'), 1, 'the bucket lives in Redis again');
  direct.disconnect();
});
