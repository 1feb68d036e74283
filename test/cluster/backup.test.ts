import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { cliWorkspace, runCli } from '../support/cli.ts';
import { startServer } from '../support/serve-subprocess.ts';

const ws = cliWorkspace('sqlite');
before(ws.setup);
after(ws.dispose);

const dbFile = () => join(ws.dir, 'gatehouse.db');

/** The CLI without blocking the event loop (the server's writer keeps running meanwhile). */
function runAsync(args: readonly string[]): Promise<SpawnSyncReturns<string>> {
  const child = spawn(process.execPath, ['bin/gatehouse.js', ...args], { env: ws.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) =>
    child.once('close', (status) => resolve({ status, stdout, stderr, pid: child.pid ?? 0, output: [], signal: null })),
  );
}

/** Every row of every table, in a stable order: equal dumps mean equal data. */
function dump(file: string): Record<string, unknown[]> {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as {
      name: string;
    }[];
    return Object.fromEntries(
      tables.map(({ name }) => {
        const rows = db.prepare(`select * from "${name}"`).all();
        return [name, rows.map((r) => JSON.stringify(r)).sort()];
      }),
    );
  } finally {
    db.close();
  }
}

test('backup while a server serves writes is consistent; restore refuses a served database, then brings the data back exactly', async () => {
  const init = ws.run(['init', '--org', 'Acme', '--email', 'ada@example.com', '--password-stdin'], 'a long enough password\n');
  assert.equal(init.status, 0, init.stderr);
  const server = startServer({ ...ws.env, GATEHOUSE_RATE_LIMIT_ENABLED: 'false', GATEHOUSE_LOG_LEVEL: 'info' });
  try {
    const base = await server.ready;
    assert.ok(existsSync(`${dbFile()}.serving`));
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'a long enough password' }),
    });
    const at = ((await login.json()) as { access_token: string }).access_token;
    let created = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const res = await fetch(`${base}/v1/api-keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${at}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `k${created}`, scopes: ['read'] }),
        });
        assert.equal(res.status, 201, await res.text());
        created++;
      }
    })();
    while (created < 5) await new Promise((r) => setTimeout(r, 20));
    const during = join(ws.dir, 'during.db');
    const res = await runAsync(['--json', 'backup', during]);
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { bytes: number; migrations: string[] };
    assert.ok(out.migrations.includes('0001_identity'));
    assert.equal(statSync(during).mode & 0o777, 0o600, 'the copy is readable by its owner only');
    const before = created;
    while (created < before + 5) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await writer;
    const duringKeys = dump(during).api_keys ?? [];
    assert.ok(duringKeys.length >= 5 && duringKeys.length < created, `${duringKeys.length} of ${created}`);

    // Writes stopped: a copy made now equals the live database.
    const quiet = join(ws.dir, 'quiet.db');
    assert.equal((await runAsync(['backup', quiet])).status, 0);
    assert.deepEqual(dump(quiet), dump(dbFile()));
    assert.equal((await runAsync(['backup', quiet])).status, 1, 'an existing FILE needs --force');

    const refused = await runAsync(['restore', during]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, new RegExp(`a server \\(pid ${server.child.pid}\\) is serving`));
  } finally {
    assert.equal(await server.stop('SIGTERM'), 0);
  }
  assert.ok(!existsSync(`${dbFile()}.serving`), 'a clean stop removes the marker');
  const during = join(ws.dir, 'during.db');
  const restored = ws.run(['--json', 'restore', during]);
  assert.equal(restored.status, 0, restored.stderr);
  assert.deepEqual(dump(dbFile()), dump(during));
  // The restored database serves: the owner logs in on a fresh server.
  const again = startServer({ ...ws.env, GATEHOUSE_LOG_LEVEL: 'info' });
  try {
    const base = await again.ready;
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'a long enough password' }),
    });
    assert.equal(login.status, 200);
  } finally {
    await again.stop();
  }
});

test('restore refuses files that are not an intact Gatehouse database; PostgreSQL gets pg_dump guidance', () => {
  const garbage = join(ws.dir, 'garbage.db');
  writeFileSync(garbage, 'not a database at all, just text that is long enough to look like something');
  const bad = ws.run(['restore', garbage]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /refusing to restore/);
  const other = join(ws.dir, 'other.db');
  const o = new SQLite(other);
  o.exec('create table t (x int)');
  o.close();
  const notOurs = ws.run(['restore', other]);
  assert.equal(notOurs.status, 1);
  assert.match(notOurs.stderr, /not a Gatehouse database/);
  const pg = runCli({ ...ws.env, GATEHOUSE_DATABASE_URL: 'postgres://u:hunter2secret@127.0.0.1:1/x' }, ['backup', join(ws.dir, 'x.dump')]);
  assert.equal(pg.status, 2);
  assert.match(pg.stderr, /pg_dump --format=custom/);
  assert.doesNotMatch(pg.stderr, /hunter2secret/);
  const pgRestore = runCli({ ...ws.env, GATEHOUSE_DATABASE_URL: 'postgres://u:p@127.0.0.1:1/x' }, ['restore', join(ws.dir, 'x.dump')]);
  assert.equal(pgRestore.status, 2);
  assert.match(pgRestore.stderr, /pg_restore/);
});
