/**
 * The Python (FastAPI) and Go (net/http) snippets of docs/integrations.md, run as written against
 * a real Gatehouse. Each is skipped when its toolchain is missing (Debian: python3-fastapi,
 * python3-httpx, python3-uvicorn; golang-go).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bearer, createKey, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { freePort } from './support/upstream.ts';

const PYTHON = '/usr/bin/python3';
const hasPython = spawnSync(PYTHON, ['-c', 'import fastapi, httpx, uvicorn'], { stdio: 'ignore' }).status === 0;
const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;

function snippet(lang: string): string {
  const block = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(readFileSync('docs/integrations.md', 'utf8'))?.[1];
  assert.ok(block, `docs/integrations.md has a ${lang} block`);
  return block;
}

async function waitFor(url: string, child: ChildProcess, log: () => string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`did not start:\n${log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('the any-language snippets of docs/integrations.md', {
  skip: !hasPython && !hasGo && 'neither python3-fastapi nor go is installed',
}, () => {
  let t: TestApp;
  let a: Registered;
  let gatehouseUrl = '';
  let reader = '';
  const dir = mkdtempSync(join(tmpdir(), 'gh-snippets-'));
  const children: ChildProcess[] = [];

  before(async () => {
    t = await createTestApp('sqlite');
    a = await registerOrg(t, 'snippets');
    for (const name of ['tenant_a', 'tenant_b'])
      await t.app.inject({
        method: 'POST',
        url: `/v1/organizations/${a.slug}/memory-spaces`,
        headers: bearer(a.access),
        payload: { name },
      });
    reader = (await createKey(t, a.access, { name: 'reader', scopes: ['memories:read'], memory_spaces: ['tenant_b'] })).key;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    gatehouseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Python: the FastAPI dependency passes the principal, and Gatehouse 401/403 through', {
    skip: !hasPython && 'python3-fastapi is not installed',
  }, async () => {
    writeFileSync(join(dir, 'app.py'), snippet('python').replace('http://127.0.0.1:8080', gatehouseUrl));
    const port = await freePort();
    let out = '';
    const child = spawn(PYTHON, ['-m', 'uvicorn', 'app:app', '--app-dir', dir, '--host', '127.0.0.1', '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/docs`, child, () => out);
    const ok = await fetch(`${base}/v1/spaces/tenant_b/recall`, { headers: { 'x-api-key': reader } });
    assert.equal(ok.status, 200);
    assert.match(((await ok.json()) as { subject: string }).subject, /^key_/);
    const none = await fetch(`${base}/v1/spaces/tenant_b/recall`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="gatehouse"');
    const other = await fetch(`${base}/v1/spaces/tenant_a/recall`, { headers: { 'x-api-key': reader } });
    assert.equal(other.status, 403);
    assert.equal(((await other.json()) as { detail: { code: string } }).detail.code, 'ERR-6003');
  });

  test('Go: the net/http middleware passes the principal, and Gatehouse 401/403 through', {
    skip: !hasGo && 'go is not installed',
  }, async () => {
    const mod = join(dir, 'goapp');
    mkdirSync(join(mod, 'gatehouse'), { recursive: true });
    writeFileSync(join(mod, 'go.mod'), 'module example.com/goapp\n\ngo 1.19\n');
    writeFileSync(join(mod, 'gatehouse', 'gatehouse.go'), snippet('go'));
    writeFileSync(
      join(mod, 'main.go'),
      `package main

import (
	"encoding/json"
	"net/http"
	"os"

	"example.com/goapp/gatehouse"
)

func main() {
	recall := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := gatehouse.PrincipalFrom(r.Context())
		json.NewEncoder(w).Encode(map[string]string{"subject": p.Subject})
	})
	http.Handle("/recall", gatehouse.Require(os.Getenv("GATEHOUSE"), "memories:read")(recall))
	http.Handle("/remember", gatehouse.Require(os.Getenv("GATEHOUSE"), "memories:write")(recall))
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil)
}
`,
    );
    const env = { ...process.env, GOPROXY: 'off', GOFLAGS: '-mod=mod', GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath') };
    const build = spawnSync('go', ['build', '-o', join(dir, 'goapp-bin'), '.'], { cwd: mod, env, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const port = await freePort();
    const child = spawn(join(dir, 'goapp-bin'), [], { env: { ...env, GATEHOUSE: gatehouseUrl, PORT: String(port) }, stdio: 'ignore' });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/`, child, () => '');
    const ok = await fetch(`${base}/recall`, { headers: { 'x-api-key': reader } });
    assert.equal(ok.status, 200);
    assert.match(((await ok.json()) as { subject: string }).subject, /^key_/);
    const none = await fetch(`${base}/recall`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="gatehouse"');
    const scope = await fetch(`${base}/remember`, { headers: { 'x-api-key': reader } });
    assert.equal(scope.status, 403);
    assert.match(scope.headers.get('www-authenticate') ?? '', /scope="memories:write"/);
  });
});
