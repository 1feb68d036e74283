import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { BackendName } from '../support/backends.ts';
import { cliWorkspace } from '../support/cli.ts';
import { registerSecret } from '../support/secrets-watch.ts';

/** The token CLI suite on one backend; `cli-<backend>.test.ts` runs it, one file each so files stay short. */
export function tokenCliSuite(backend: BackendName): void {
  describe(`token CLI (${backend})`, () => {
    const ws = cliWorkspace(backend);
    const { dir, env, run } = ws;
    before(ws.setup);
    after(ws.dispose);

    /** Runs one statement on the CLI's database (`?` placeholders). */
    async function query(text: string, params: (string | number | null)[] = []): Promise<Record<string, unknown>[]> {
      if (backend === 'sqlite') {
        const db = new SQLite(join(dir, 'gatehouse.db'));
        try {
          const stmt = db.prepare(text);
          if (stmt.reader) return stmt.all(...params) as Record<string, unknown>[];
          stmt.run(...params);
          return [];
        } finally {
          db.close();
        }
      }
      let i = 0;
      const c = new pg.Client({ connectionString: env.GATEHOUSE_DATABASE_URL });
      await c.connect();
      try {
        return (
          await c.query(
            text.replace(/\?/g, () => `$${++i}`),
            params,
          )
        ).rows;
      } finally {
        await c.end();
      }
    }

    test('add, list, show, rotate, remove; errors are one clear line and a non-zero exit', () => {
      const none = run(['token', 'add', '--description', 'x']);
      assert.equal(none.status, 1);
      assert.match(none.stderr, /no organization yet/);
      assert.equal(run(['init', '--org', 'Acme', '--email', 'a@example.com', '--password-stdin'], 'a long password\n').status, 0);

      const add = run([
        'token',
        'add',
        '--description',
        'API access token',
        '--expires-days',
        '30',
        '--scopes',
        'contexts:read,contexts:write',
      ]);
      assert.equal(add.status, 0, add.stderr);
      const [key = '', , idLine = ''] = add.stdout.split('\n');
      registerSecret(key);
      assert.match(key, /^sk_live_[0-9A-Za-z]{39}$/);
      const id = idLine.replace('id: ', '');
      assert.match(id, /^key_/);

      const created = run(['auth', 'create-key', '--name', 'my-app', '--json']);
      assert.equal(created.status, 0, created.stderr);
      const second = JSON.parse(created.stdout);
      registerSecret(second.key);
      assert.equal(second.name, 'my-app');
      assert.deepEqual(second.scopes, ['*']);

      const list = run(['token', 'list']);
      assert.equal(list.status, 0);
      assert.ok(list.stdout.includes(id) && list.stdout.includes('API access token'));
      assert.ok(!list.stdout.includes(key) && !list.stdout.includes(second.key), 'list never prints a key');

      const show = run(['token', 'show', id.slice(0, 30), '--json']);
      assert.equal(show.status, 0, show.stderr);
      assert.equal(JSON.parse(show.stdout).id, id);
      const ambiguous = run(['token', 'show', 'key_']);
      assert.equal(ambiguous.status, 1);
      assert.match(ambiguous.stderr, /ambiguous; candidates/);
      assert.equal(run(['token', 'show', 'key_zzzzzz']).status, 1);

      const badDays = run(['token', 'add', '--description', 'x', '--expires-days', 'soon']);
      assert.equal(badDays.status, 1);
      assert.match(badDays.stderr, /--expires-days/);
      const badScope = run(['token', 'add', '--description', 'x', '--scopes', 'Not A Scope']);
      assert.equal(badScope.status, 1);

      const rotated = run(['token', 'rotate', id, '--grace', '24h', '--json']);
      assert.equal(rotated.status, 0, rotated.stderr);
      const next = JSON.parse(rotated.stdout);
      registerSecret(next.key);
      assert.equal(next.rotated_from, id);
      assert.equal(run(['token', 'rotate', id]).status, 1, 'already rotated');
      assert.equal(run(['token', 'rotate', next.id, '--grace', 'forever']).status, 1);

      const noConfirm = run(['token', 'remove', next.id]);
      assert.equal(noConfirm.status, 1);
      assert.match(noConfirm.stderr, /--force/);
      const removed = run(['token', 'remove', next.id, '--force', '--json']);
      assert.equal(removed.status, 0, removed.stderr);
      assert.equal(JSON.parse(removed.stdout).state, 'revoked');

      const help = run(['token', '--help']);
      assert.equal(help.status, 0);
      assert.match(help.stdout, /add \[options\]/);
    });

    test('environments, memory spaces, several organizations, hash prefixes, and no removal without a terminal', async () => {
      const [acme] = await query("select id from organizations where slug = 'acme'");
      const orgId = String(acme?.id);
      const now = Date.now();
      await query('insert into memory_spaces (id, organization_id, name, description, created_at, updated_at) values (?, ?, ?, ?, ?, ?)', [
        'spc_00000000000000000000000001',
        orgId,
        'tenant_a',
        '',
        now,
        now,
      ]);
      const made = run(['token', 'add', '--description', 'bound', '--env', 'test', '--memory-space', 'tenant_a', '--json']);
      assert.equal(made.status, 0, made.stderr);
      const key = JSON.parse(made.stdout);
      registerSecret(key.key);
      assert.match(key.key, /^sk_test_[0-9A-Za-z]{39}$/);
      assert.deepEqual(key.memory_spaces, ['tenant_a']);
      assert.equal(key.created_by, null, 'made by the system');
      const noSpace = run(['token', 'add', '--description', 'x', '--memory-space', 'nope']);
      assert.equal(noSpace.status, 1);
      assert.match(noSpace.stderr, /no memory space "nope"/);
      assert.equal(run(['token', 'add', '--description', 'x', '--env', 'staging']).status, 1);

      const [row] = await query('select key_hash from api_keys where id = ?', [key.id]);
      const byHash = run(['token', 'show', String(row?.key_hash).slice(0, 10), '--json']);
      assert.equal(byHash.status, 0, byHash.stderr);
      assert.equal(JSON.parse(byHash.stdout).id, key.id);
      assert.ok(!byHash.stdout.includes(String(row?.key_hash)), 'the hash is not shown');

      await query(
        'insert into organizations (id, name, slug, rate_limit_tier, personal_of, created_at, updated_at) values (?, ?, ?, null, null, ?, ?)',
        ['org_00000000000000000000000002', 'Other', 'other', now, now],
      );
      const several = run(['token', 'add', '--description', 'x', '--json']);
      assert.equal(several.status, 0, several.stderr);
      registerSecret(JSON.parse(several.stdout).key);
      assert.match(several.stderr, /using the operator organization acme \(org_/, 'without --org: the operator organization, said so');
      assert.equal(JSON.parse(several.stdout).organization_id, orgId);
      const unknownOrg = run(['token', 'add', '--description', 'x', '--org', 'nope']);
      assert.equal(unknownOrg.status, 1);
      assert.match(unknownOrg.stderr, /no organization "nope"; organizations: acme, other/);
      const other = run(['token', 'add', '--description', 'x', '--org', 'other', '--json']);
      assert.equal(other.status, 0, other.stderr);
      registerSecret(JSON.parse(other.stdout).key);
      assert.equal(JSON.parse(other.stdout).organization_id, 'org_00000000000000000000000002');

      const piped = run(['token', 'remove', key.id], 'y\n');
      assert.equal(piped.status, 1, 'no terminal: no confirmation, no removal');
      const list = run(['token', 'list', '--json']);
      const listed = JSON.parse(list.stdout) as { id: string; state: string; fingerprint: string }[];
      assert.equal(listed.find((k) => k.id === key.id)?.state, 'active');
      assert.equal(listed.find((k) => k.id === key.id)?.fingerprint, String(row?.key_hash).slice(0, 8));
      assert.ok(!list.stdout.includes(key.key));
      assert.equal(run(['token', 'show', 'k']).status, 1, 'too short a reference');
    });
  });
}
