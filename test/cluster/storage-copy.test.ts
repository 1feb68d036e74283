import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { copyStorage } from '../../src/storage/copy/copy.ts';
import { openStorage } from '../../src/storage/index.ts';
import { addMember, bearer, createKey, login, type Registered, registerOrg } from '../identity/support.ts';
import { createTestApp, TEST_SECRETS, type TestApp } from '../support/app.ts';
import { cliWorkspace } from '../support/cli.ts';
import { startServer } from '../support/serve-subprocess.ts';

const ws = cliWorkspace('postgres');
const dir = mkdtempSync(join(tmpdir(), 'gh-copy-'));
const sourceUrl = `sqlite:${join(dir, 'source.db')}`;
let t: TestApp;
let owner: Registered;
let apiKey: string;

const EXPECTED = [
  'organizations',
  'users',
  'memberships',
  'memory_spaces',
  'sessions',
  'refresh_tokens',
  'signing_keys',
  'api_keys',
  'audit_events',
  'invitations',
];

before(async () => {
  await ws.setup();
  t = await createTestApp('sqlite');
  owner = await registerOrg(t, 'copy-acme');
  t.clock.advance(1); // copy-acme is the first (operator) organization: it may rotate signing keys
  await registerOrg(t, 'copy-beta');
  await addMember(t, owner, 'member');
  apiKey = (await createKey(t, owner.access, { name: 'ci', scopes: ['read'] })).key;
  await createKey(t, owner.access, { name: 'second', scopes: ['read', 'write'] });
  const space = await t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${owner.slug}/memory-spaces`,
    headers: bearer(owner.access),
    payload: { name: 'tenant_acme' },
  });
  assert.equal(space.statusCode, 201, space.body);
  const inv = await t.app.inject({
    method: 'POST',
    url: `/v1/organizations/${owner.slug}/invitations`,
    headers: bearer(owner.access),
    payload: { email: 'invited@example.com', role: 'member' },
  });
  assert.equal(inv.statusCode, 201, inv.body);
  assert.equal((await login(t, owner.email, owner.password)).statusCode, 200);
  await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: owner.refresh } });
  assert.equal((await t.app.inject({ method: 'POST', url: '/v1/signing-keys/rotate', headers: bearer(owner.access) })).statusCode, 201);
  await t.services.audit.flush();
  // The source file: the in-memory database copied to SQLite on disk (the copy works either way).
  const file = openStorage(sourceUrl);
  try {
    const reports = await copyStorage(t.services.storage, file);
    assert.ok(reports.every((r) => r.equal));
  } finally {
    await file.close();
  }
});

after(async () => {
  await t.close();
  await ws.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface Report {
  tables: {
    table: string;
    copied: number;
    equal: boolean;
    source: { rows: number; checksum: string };
    target: { rows: number; checksum: string };
  }[];
}

function copy(extra: readonly string[] = []): { status: number | null; report: Report; stderr: string } {
  const res = ws.run(['--json', 'storage', 'copy', '--from', sourceUrl, '--to', ws.env.GATEHOUSE_DATABASE_URL as string, ...extra]);
  return { status: res.status, report: (res.stdout ? JSON.parse(res.stdout) : { tables: [] }) as Report, stderr: res.stderr };
}

async function onTarget(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ws.env.GATEHOUSE_DATABASE_URL });
  await c.connect();
  await c.query(sql);
  await c.end();
}

test('storage copy: every table from SQLite to PostgreSQL, verified by counts and checksums', () => {
  const { status, report, stderr } = copy();
  assert.equal(status, 0, stderr);
  const names = report.tables.map((r) => r.table);
  for (const table of EXPECTED) {
    const r = report.tables.find((x) => x.table === table);
    assert.ok(r, `${table} copied (got ${names.join(', ')})`);
    assert.ok(r.source.rows > 0, `${table} has rows in the fixture`);
    assert.equal(r.copied, r.source.rows);
    assert.ok(r.equal, table);
    assert.equal(r.source.checksum, r.target.checksum);
  }
  assert.ok(names.indexOf('organizations') < names.indexOf('memberships'), 'parents before children');
});

test('storage copy is idempotent: a damaged or half-copied target is repaired by running it again', async () => {
  await onTarget(
    "delete from audit_events where id in (select id from audit_events order by id limit 5); update api_keys set name = 'tampered'",
  );
  await onTarget('delete from memberships');
  const again = copy();
  assert.equal(again.status, 0, again.stderr);
  assert.ok(again.report.tables.every((r) => r.equal));

  // Interrupted for real: one row per transaction, killed mid-way, then run again.
  await onTarget('delete from refresh_tokens; delete from sessions; delete from audit_events');
  const child = spawn(
    process.execPath,
    ['bin/gatehouse.js', 'storage', 'copy', '--from', sourceUrl, '--to', ws.env.GATEHOUSE_DATABASE_URL as string, '--batch-size', '1'],
    { env: ws.env },
  );
  await new Promise<void>((resolve) => {
    child.stderr.once('data', () => {
      child.kill('SIGKILL');
      resolve();
    });
    child.once('exit', () => resolve());
  });
  const finished = copy(['--batch-size', '7']);
  assert.equal(finished.status, 0, finished.stderr);
  const first = copy();
  assert.deepEqual(
    finished.report.tables.map((r) => [r.table, r.target]),
    first.report.tables.map((r) => [r.table, r.target]),
  );
});

test('storage copy reports a target holding rows the source lacks as a failed verification', async () => {
  await onTarget("insert into organizations (id, name, slug, created_at, updated_at) values ('org_foreign', 'Foreign', 'foreign', 1, 1)");
  const res = copy();
  assert.equal(res.status, 1);
  assert.match(res.stderr, /verification failed/);
  assert.ok(!res.report.tables.find((r) => r.table === 'organizations')?.equal);
  await onTarget("delete from organizations where id = 'org_foreign'");
});

test('a node on the copied PostgreSQL serves the copied records: the API key and the owner login work', async () => {
  const server = startServer({
    PATH: process.env.PATH ?? '',
    GATEHOUSE_DATA_DIR: dir,
    GATEHOUSE_DATABASE_URL: ws.env.GATEHOUSE_DATABASE_URL as string,
    GATEHOUSE_PEPPER: TEST_SECRETS.pepper.toString('base64url'),
    GATEHOUSE_KEY_ENCRYPTION_KEY: TEST_SECRETS.keyEncryptionKey.toString('base64url'),
    GATEHOUSE_LOG_LEVEL: 'info',
  });
  try {
    const base = await server.ready;
    const me = await fetch(`${base}/v1/auth/me`, { headers: { 'x-api-key': apiKey } });
    assert.equal(me.status, 200, await me.text());
    const res = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: owner.email, password: owner.password }),
    });
    assert.equal(res.status, 200);
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    const active = await t.services.storage.db
      .selectFrom('signing_keys')
      .select('kid')
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      jwks.keys.map((k) => k.kid),
      [active.kid],
      'the copied active key signs and is published (the retired one expired on the real clock)',
    );
  } finally {
    await server.stop();
  }
});
