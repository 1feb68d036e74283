import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cliWorkspace } from '../support/cli.ts';
import { type ServerProcess, startServer } from '../support/serve-subprocess.ts';

const ws = cliWorkspace('sqlite');
const PASSWORD = 'a long enough password';
const LIMIT = 20;
let server: ServerProcess;
let base: string;
let access: string;

const json = { 'content-type': 'application/json' };
const listeningPids = () =>
  server.lines.filter((l) => String(l.msg).startsWith('Gatehouse listening on http') && l.workers === undefined).map((l) => Number(l.pid));

before(async () => {
  await ws.setup();
  assert.equal(ws.run(['init', '--org', 'Acme', '--email', 'ada@example.com', '--password-stdin'], `${PASSWORD}\n`).status, 0);
  server = startServer(
    { ...ws.env, GATEHOUSE_LOG_LEVEL: 'info', GATEHOUSE_RATE_LIMIT_ANONYMOUS: String(LIMIT), GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1' },
    ['--workers', '3'],
  );
  base = await server.ready;
  // Every worker has said it listens, and the primary has said so once for all of them.
  while (!server.lines.some((l) => l.workers === 3 && typeof l.address === 'string')) await new Promise((r) => setTimeout(r, 50));
  const res = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: 'ada@example.com', password: PASSWORD }),
  });
  assert.equal(res.status, 200);
  access = ((await res.json()) as { access_token: string }).access_token;
});

after(async () => {
  await server?.stop('SIGKILL');
  await ws.dispose();
});

test('serve --workers 3: three worker processes share one port', () => {
  assert.equal(new Set(listeningPids()).size, 3);
  assert.ok(!listeningPids().includes(server.child.pid ?? -1));
});

test('a revoked API key is refused by every worker within 1 s', async () => {
  const made = await fetch(`${base}/v1/api-keys`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${access}` },
    body: JSON.stringify({ name: 'soon-revoked', scopes: ['read'] }),
  });
  const { id, key } = (await made.json()) as { id: string; key: string };
  // Warm every worker's cache with the valid key.
  for (let i = 0; i < 12; i++) assert.equal((await fetch(`${base}/v1/auth/me`, { headers: { 'x-api-key': key } })).status, 200);
  const revoked = await fetch(`${base}/v1/api-keys/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${access}` } });
  assert.ok(revoked.status < 300);
  const at = Date.now();
  // Within 1 s, 12 requests in a row (spread over the workers) are all refused.
  let streak = 0;
  while (streak < 12) {
    const status = (await fetch(`${base}/v1/auth/me`, { headers: { 'x-api-key': key } })).status;
    streak = status === 401 ? streak + 1 : 0;
    assert.ok(Date.now() - at < 1000, `still accepted by some worker after ${Date.now() - at} ms`);
  }
});

test(`N concurrent requests over three workers against a limit of ${LIMIT} admit exactly ${LIMIT}`, async () => {
  const statuses = await Promise.all(
    Array.from({ length: 60 }, () =>
      // A client address of its own (through the trusted proxy), so the bucket starts full.
      fetch(`${base}/v1/auth/register`, { method: 'POST', headers: { ...json, 'x-forwarded-for': '203.0.113.7' }, body: '{}' }).then(
        (r) => r.status,
      ),
    ),
  );
  assert.equal(statuses.filter((s) => s === 429).length, 60 - LIMIT, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 400).length, LIMIT, statuses.join(','));
});

test('failed logins are counted across workers: the account locks at the threshold whichever worker takes each attempt', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { ...json, 'x-forwarded-for': '203.0.113.50' },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'a wrong password' }),
    });
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
});

test('a worker that dies is replaced; the others keep serving meanwhile', async () => {
  const [victim] = listeningPids() as [number];
  process.kill(victim, 'SIGKILL');
  // A connection the dead worker held is lost; a client that reconnects is served by the others.
  const once = () => fetch(`${base}/health`).then((r) => r.status);
  const health = await Promise.all(Array.from({ length: 10 }, () => once().catch(once)));
  assert.deepEqual(health, Array(10).fill(200));
  const deadline = Date.now() + 30_000;
  while (new Set(listeningPids()).size < 4) {
    assert.ok(Date.now() < deadline, 'no replacement worker');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(server.lines.some((l) => l.msg === 'a worker died; starting a replacement' && l.worker_pid === victim));
});

test('SIGTERM: every worker drains its in-flight requests before the primary exits', async () => {
  const inflight = Array.from({ length: 6 }, () =>
    fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'ada@example.com', password: PASSWORD }),
    }).then(
      (r) => r.status,
      (e: Error) => e.message,
    ),
  );
  await new Promise((r) => setTimeout(r, 150));
  const code = server.stop('SIGTERM');
  assert.deepEqual(await Promise.all(inflight), Array(6).fill(200));
  assert.equal(await code, 0);
  assert.ok(server.lines.some((l) => l.msg === 'all workers stopped'));
});
