/** `gatehouse audit list` run as a subprocess against a temporary data dir (SQLite) and PostgreSQL. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AuditEventView } from '../../src/audit/render.ts';
import { openStorage } from '../../src/storage/index.ts';
import { TEST_PG_URL } from '../support/backends.ts';
import { recordStoredAuditEvents, registerSecret } from '../support/secrets-watch.ts';
import { eventually } from './support.ts';

async function admin(sql: string): Promise<void> {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  await c.query(sql);
  await c.end();
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`audit CLI (${backend})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-audit-cli-'));
    const pgDb = `gh_audit_cli_${randomBytes(4).toString('hex')}`;
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'silent' };
    const run = (args: string[], input = '') =>
      spawnSync(process.execPath, ['bin/gatehouse.js', ...args], { env, input, encoding: 'utf8' });
    const databaseUrl = () => env.GATEHOUSE_DATABASE_URL ?? `sqlite:${join(dir, 'gatehouse.db')}`;
    let keyId = '';

    before(async () => {
      if (backend === 'postgres') {
        await admin(`create database ${pgDb}`);
        env.GATEHOUSE_DATABASE_URL = TEST_PG_URL.replace(/\/[^/]*$/, `/${pgDb}`);
      }
      const password = 'audit cli long password';
      registerSecret(password);
      const init = run(['init', '--org', 'Acme', '--email', 'a@example.com', '--password-stdin'], `${password}\n`);
      assert.equal(init.status, 0, init.stderr);
      const add = run(['token', 'add', '--name', 'cli-audit', '--json']);
      assert.equal(add.status, 0, add.stderr);
      registerSecret(JSON.parse(add.stdout).key);
      keyId = JSON.parse(add.stdout).id;
    });
    after(async () => {
      // The events these commands stored go to the suite-wide secret scan.
      const storage = openStorage(databaseUrl());
      try {
        await recordStoredAuditEvents(storage.db);
      } finally {
        await storage.close();
      }
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'postgres') await admin(`drop database if exists ${pgDb} with (force)`);
    });

    test('list: every event, filters, --json; bad flags are one clear line and exit 1', () => {
      const all = run(['audit', 'list', '--json']);
      assert.equal(all.status, 0, all.stderr);
      const events = JSON.parse(all.stdout) as AuditEventView[];
      assert.deepEqual(
        events.map((e) => e.action),
        ['organization.created', 'api_key.created'],
        'oldest first',
      );
      const created = events[1];
      assert.equal(created?.target?.id, keyId);
      assert.equal(created?.actor.type, 'system');

      const filtered = run(['audit', 'list', '--json', '--action', 'api_key.*', '--since', '1h', '--org', 'acme', '--target', keyId]);
      assert.equal(filtered.status, 0, filtered.stderr);
      assert.deepEqual(
        (JSON.parse(filtered.stdout) as AuditEventView[]).map((e) => e.action),
        ['api_key.created'],
      );
      const none = run(['audit', 'list', '--json', '--until', '2000-01-01T00:00:00Z']);
      assert.deepEqual(JSON.parse(none.stdout), []);

      const human = run(['audit', 'list', '--limit', '1']);
      assert.equal(human.status, 0, human.stderr);
      const lines = human.stdout.trim().split('\n');
      assert.equal(lines.length, 2);
      assert.match(lines[0] ?? '', /^TIME\tORGANIZATION\tACTOR\tACTION/);
      assert.match(lines[1] ?? '', new RegExp(`\\tapi_key\\.created\\tsuccess\\tapi_key:${keyId}\\t`));

      for (const [args, message] of [
        [['--since', 'yesterday'], /--since takes a duration ago/],
        [['--limit', '0'], /--limit must be/],
        [['--outcome', 'maybe'], /--outcome must be/],
        [['--org', 'nope'], /no organization "nope"/],
        [['--follow', '--until', '1h'], /do not go together/],
      ] as const) {
        const bad = run(['audit', 'list', ...args]);
        assert.equal(bad.status, 1, args.join(' '));
        assert.match(bad.stderr, message);
        assert.equal(bad.stderr.trim().split('\n').length, 1);
      }
    });

    test('--follow prints new events as they are written, until interrupted', async () => {
      const child = spawn(
        process.execPath,
        ['bin/gatehouse.js', 'audit', 'list', '--follow', '--json', '--interval', '100ms', '--action', 'api_key.*'],
        {
          env,
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString('utf8');
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString('utf8');
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const lines = () =>
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as AuditEventView);
      try {
        await eventually(() => lines().length === 1, 20_000);
        assert.equal(lines()[0]?.target?.id, keyId);
        const add = run(['token', 'add', '--name', 'followed', '--json']);
        assert.equal(add.status, 0, add.stderr);
        registerSecret(JSON.parse(add.stdout).key);
        const newId = JSON.parse(add.stdout).id as string;
        await eventually(() => lines().length === 2, 20_000);
        assert.equal(lines()[1]?.action, 'api_key.created');
        assert.equal(lines()[1]?.target?.id, newId);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(lines().length, 2, 'each event once');
      } finally {
        child.kill('SIGINT');
      }
      assert.equal(await exited, 0, err);
    });
  });
}
