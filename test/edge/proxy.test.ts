import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openLivePolicy } from '../../src/edge/policy/index.ts';
import { createProxyServer } from '../../src/edge/proxy/server.ts';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { EDGE_POLICY } from './support/policy.ts';
import { freePort, startUpstream, type Upstream } from './support/upstream.ts';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A raw upgrade request through the proxy: the response (if refused) or the upgraded socket. */
function upgrade(url: string, headers: Record<string, string>): Promise<{ res?: IncomingMessage; socket?: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/ws`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => resolve({ res, socket }));
    req.on('response', (res) => resolve({ res }));
    req.on('error', reject);
    req.end();
  });
}

describe('gatehouse proxy in front of a real upstream', () => {
  let t: TestApp;
  let a: Registered;
  let upstream: Upstream;
  let open: Server;
  let guarded: Server;
  let openUrl = '';
  let guardedUrl = '';
  let key = '';
  let reader = '';
  const dir = mkdtempSync(join(tmpdir(), 'gh-proxy-'));

  before(async () => {
    t = await createTestApp('sqlite', {
      rateLimitEnabled: true,
      rateLimitAnonymous: 1000,
      rateLimitTiers: { tiny: { requests_per_minute: 2 } },
    });
    a = await registerOrg(t, 'proxy-org');
    for (const name of ['tenant_a', 'tenant_b'])
      await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${a.slug}/memory-spaces`,
        headers: bearer(a.access),
        payload: { name },
      });
    key = (await createKey(t, a.access, { name: 'svc', scopes: ['memories:*'] })).key;
    reader = (await createKey(t, a.access, { name: 'reader', scopes: ['memories:read'], memory_spaces: ['tenant_b'] })).key;
    upstream = await startUpstream();
    const base = { services: t.services, realm: 'gatehouse', upstream: new URL(upstream.url), timeoutMs: 500, log: t.services.log };
    // Without a policy every request needs a valid credential.
    open = createProxyServer({ ...base, policy: openLivePolicy({ file: undefined, tiers: [], log: t.services.log }) });
    openUrl = await listen(open);
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, EDGE_POLICY);
    guarded = createProxyServer({ ...base, policy: openLivePolicy({ file, tiers: ['tiny'], log: t.services.log }) });
    guardedUrl = await listen(guarded);
  });
  after(async () => {
    await close(open);
    await close(guarded);
    await upstream?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('allowed: identity headers injected, credential and spoofed X-Gatehouse-* stripped, rate-limit headers to the client', async () => {
    const res = await fetch(`${openUrl}/anything/here?x=1`, {
      method: 'POST',
      headers: {
        authorization: `Api-Key ${key}`,
        'x-gatehouse-subject': 'usr_spoofed',
        'X-Gatehouse-Role': 'readonly',
        'content-type': 'text/plain',
      },
      body: 'hello',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-ratelimit-limit'), '100');
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    const seen = (await res.json()) as { url: string; body: string; headers: Record<string, string> };
    assert.equal(seen.url, '/anything/here?x=1');
    assert.equal(seen.body, 'hello');
    assert.match(seen.headers['x-gatehouse-subject'] ?? '', /^key_/);
    assert.equal(seen.headers['x-gatehouse-organization'], a.orgId);
    assert.notEqual(
      seen.headers['x-gatehouse-role'],
      'readonly',
      "the spoofed role is gone (the key acts with its creator's role, or none)",
    );
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  });

  test('refused requests never reach the upstream: 401 problem+json with the challenge, 403 from the policy', async () => {
    const before = upstream.seen.length;
    const none = await fetch(`${openUrl}/anything`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="gatehouse"');
    assert.equal(((await none.json()) as { code: string }).code, 'ERR-4001');
    const space = await fetch(`${guardedUrl}/v1/spaces/tenant_a/recall`, { headers: { 'x-api-key': reader } });
    assert.equal(space.status, 403);
    const unmatched = await fetch(`${guardedUrl}/admin`, { headers: { 'x-api-key': reader } });
    assert.equal(((await unmatched.json()) as { code: string }).code, 'ERR-9001');
    assert.equal(upstream.seen.length, before);
    const pub = await fetch(`${guardedUrl}/health`);
    assert.equal(pub.status, 200, 'a public rule passes without a credential');
    const ok = await fetch(`${guardedUrl}/v1/spaces/tenant_b/recall`, { headers: { 'x-api-key': reader } });
    const seen = (await ok.json()) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-gatehouse-memory-space'], 'tenant_b');
  });

  test('response bodies stream: the first chunk arrives before the upstream has finished', async () => {
    const res = await fetch(`${openUrl}/stream`, { headers: { 'x-api-key': key } });
    assert.equal(res.status, 200);
    const reader = res.body?.getReader();
    assert.ok(reader);
    const started = Date.now();
    const first = await reader.read();
    const firstAt = Date.now() - started;
    let text = Buffer.from(first.value ?? new Uint8Array()).toString();
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      text += Buffer.from(next.value).toString();
    }
    const doneAt = Date.now() - started;
    assert.equal(text, 'chunk 0\nchunk 1\nchunk 2\n');
    assert.ok(doneAt - firstAt >= 60, `first chunk at ${firstAt} ms, end at ${doneAt} ms`);
  });

  test('request bodies stream: the upstream echoes a chunk before the caller has sent the next', async () => {
    const req = request(`${openUrl}/echo`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/octet-stream' } });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
      req.write('first;');
    });
    const first = await new Promise<string>((resolve) =>
      res.once('data', (d: Buffer) => {
        res.pause();
        resolve(d.toString());
      }),
    );
    assert.equal(first, 'first;', 'echoed while the request is still open');
    req.end('second');
    let rest = '';
    for await (const c of res) rest += String(c);
    assert.equal(rest, 'second');
  });

  test('server-sent events pass through as they come', async () => {
    const res = await fetch(`${openUrl}/events`, { headers: { 'x-api-key': key } });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body?.getReader();
    assert.ok(reader);
    const first = await reader.read();
    assert.equal(Buffer.from(first.value ?? new Uint8Array()).toString(), 'data: one\n\n', 'the first event arrives on its own');
    const second = await reader.read();
    assert.equal(Buffer.from(second.value ?? new Uint8Array()).toString(), 'data: two\n\n');
  });

  test('WebSocket: the upgrade is decided first, then bytes flow both ways with identity headers upstream', async () => {
    const refused = await upgrade(openUrl, {});
    assert.equal(refused.res?.statusCode, 401);
    assert.equal(refused.socket, undefined);
    const { res, socket } = await upgrade(openUrl, { 'x-api-key': key, 'x-gatehouse-subject': 'usr_spoofed' });
    assert.equal(res?.statusCode, 101);
    assert.ok(socket);
    const echoed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    socket.write('ping');
    assert.equal(await echoed, 'ping');
    socket.destroy();
    const seen = upstream.seen.at(-1);
    assert.equal(seen?.url, '/ws');
    assert.match(String(seen?.headers['x-gatehouse-subject']), /^key_/);
    assert.equal(seen?.headers['x-api-key'], undefined);
  });

  test('a dead upstream is 502 and a slow one 504, as problem+json', async () => {
    const port = await freePort();
    const dead = createProxyServer({
      services: t.services,
      realm: 'gatehouse',
      upstream: new URL(`http://127.0.0.1:${port}`),
      timeoutMs: 500,
      log: t.services.log,
      policy: openLivePolicy({ file: undefined, tiers: [], log: t.services.log }),
    });
    const deadUrl = await listen(dead);
    try {
      const res = await fetch(`${deadUrl}/x`, { headers: { 'x-api-key': key } });
      assert.equal(res.status, 502);
      assert.equal(((await res.json()) as { code: string }).code, 'ERR-9003');
      const ws = await upgrade(deadUrl, { 'x-api-key': key });
      assert.equal(ws.res?.statusCode, 502);
    } finally {
      await close(dead);
    }
    const slow = await fetch(`${openUrl}/slow`, { headers: { 'x-api-key': key } });
    assert.equal(slow.status, 504);
    assert.equal(((await slow.json()) as { code: string }).code, 'ERR-9004');
  });
});
