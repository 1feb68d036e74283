/**
 * `gatehouse audit list` run as a subprocess against a temporary data dir (SQLite) or a fresh
 * PostgreSQL database; `cli-sqlite.test.ts` and `cli-postgres.test.ts` run it (one file each, so
 * each gets its own time budget). The data is seeded in-process through the same services the CLI opens
 * (subprocesses are slow on a busy machine; only the command under test runs as one).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { AuditEventView } from '../../src/audit/render.ts';
import { loadConfig } from '../../src/config/index.ts';
import { registerOrganization } from '../../src/identity/register.ts';
import { newId } from '../../src/lib/ids.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices, type Services } from '../../src/services.ts';
import { TEST_PG_URL } from '../support/backends.ts';
import { recordStoredAuditEvents, registerSecret } from '../support/secrets-watch.ts';
import { eventually } from './support.ts';

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  await c.query(sql);
  await c.end();
}

/** The CLI suite on one backend. */
export function auditCliSuite(backend: 'sqlite' | 'postgres'): void {
  describe(`audit CLI (${backend})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-audit-cli-'));
    const pgDb = `gh_audit_cli_${randomBytes(4).toString('hex')}`;
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'silent' };
    const run = (args: string[]) => spawnSync(process.execPath, ['bin/gatehouse.js', ...args], { env, encoding: 'utf8' });
    const keyId = newId('key');
    let s: Services;
    let orgId = '';

    /** Records an event the way the server does, and writes it. */
    async function recordKeyCreated(id: string): Promise<void> {
      s.audit.record({
        action: 'api_key.created',
        outcome: 'success',
        organizationId: orgId,
        actor: { type: 'system', id: null },
        target: { type: 'api_key', id },
      });
      await s.audit.flush();
    }

    before(async () => {
      if (backend === 'postgres') {
        await admin(`create database ${pgDb}`);
        env.GATEHOUSE_DATABASE_URL = TEST_PG_URL.replace(/\/[^/]*$/, `/${pgDb}`);
      }
      s = await createServices(loadConfig({ env, file: undefined }), { log: createLogger('silent') });
      const password = `audit cli password ${randomBytes(6).toString('hex')}`;
      registerSecret(password);
      const { organization } = await registerOrganization(
        s.storage,
        { organizationName: 'Acme', organizationSlug: 'acme', email: 'a@example.com', name: 'A', password },
        s.clock.now(),
      );
      orgId = organization.id;
      s.audit.record({
        action: 'organization.created',
        outcome: 'success',
        organizationId: orgId,
        actor: { type: 'system', id: null },
        target: { type: 'organization', id: orgId },
      });
      await recordKeyCreated(keyId);
    });
    after(async () => {
      // The events stored here go to the suite-wide secret scan.
      await s.audit.flush();
      await recordStoredAuditEvents(s.storage.db);
      await s.close();
      rmSync(dir, { recursive: true, force: true });
      if (backend === 'postgres') await admin(`drop database if exists ${pgDb} with (force)`);
    });

    test('list: every event oldest first, filters, --json', () => {
      const all = run(['audit', 'list', '--json']);
      assert.equal(all.status, 0, all.stderr);
      const events = JSON.parse(all.stdout) as AuditEventView[];
      assert.deepEqual(
        events.map((e) => e.action),
        ['organization.created', 'api_key.created'],
      );
      assert.equal(events[1]?.target?.id, keyId);
      assert.equal(events[1]?.actor.type, 'system');

      const filtered = run(['audit', 'list', '--json', '--action', 'api_key.*', '--since', '1h', '--org', 'acme', '--target', keyId]);
      assert.equal(filtered.status, 0, filtered.stderr);
      assert.deepEqual(
        (JSON.parse(filtered.stdout) as AuditEventView[]).map((e) => e.action),
        ['api_key.created'],
      );
    });

    if (backend === 'sqlite') {
      test('list: the human table; bad flags are one clear line and exit 1', () => {
        const human = run(['audit', 'list', '--limit', '1', '--until', '2099-01-01T00:00:00Z']);
        assert.equal(human.status, 0, human.stderr);
        const lines = human.stdout.trim().split('\n');
        assert.equal(lines.length, 2);
        assert.match(lines[0] ?? '', /^TIME\tORGANIZATION\tACTOR\tACTION\tOUTCOME\tTARGET/);
        assert.match(lines[1] ?? '', new RegExp(`\\tapi_key\\.created\\tsuccess\\tapi_key:${keyId}\\t`));

        for (const [args, message] of [
          [['--since', 'yesterday'], /--since takes a duration ago/],
          [['--outcome', 'maybe'], /--outcome must be/],
          [['--org', 'nope'], /no organization "nope"/],
        ] as const) {
          const bad = run(['audit', 'list', ...args]);
          assert.equal(bad.status, 1, args.join(' '));
          assert.match(bad.stderr, message);
          assert.equal(bad.stderr.trim().split('\n').length, 1);
        }
      });
    }

    test('--follow prints new events as they are written, each once, until interrupted', async () => {
      const child = spawn(
        process.execPath,
        ['bin/gatehouse.js', 'audit', 'list', '--follow', '--json', '--interval', '100ms', '--action', 'api_key.*'],
        { env },
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
        await eventually(() => lines().length === 1, 40_000);
        assert.equal(lines()[0]?.target?.id, keyId);
        const next = newId('key');
        await recordKeyCreated(next);
        await eventually(() => lines().length === 2, 20_000);
        assert.equal(lines()[1]?.action, 'api_key.created');
        assert.equal(lines()[1]?.target?.id, next);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(lines().length, 2, 'each event once');
      } finally {
        child.kill('SIGINT');
      }
      assert.equal(await exited, 0, err);
    });
  });
}
