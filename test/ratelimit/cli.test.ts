/** `gatehouse limits tiers|set-tier`, run as a subprocess on a temporary SQLite database. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { runCli } from '../support/cli.ts';
import { registerSecret } from '../support/secrets-watch.ts';

const dir = mkdtempSync(join(tmpdir(), 'gh-limits-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LOG_LEVEL: 'silent' };
const run = (args: string[], input = '') => runCli(env, args, input);

test('tiers lists the layers and tiers; set-tier assigns, clears, and refuses unknown tiers and organizations', () => {
  const tiers = run(['--json', 'limits', 'tiers']);
  assert.equal(tiers.status, 0, tiers.stderr);
  const parsed = JSON.parse(tiers.stdout);
  assert.deepEqual(parsed.layers, { anonymous: 10, api_key: 100, user: 100 });
  assert.deepEqual(
    parsed.tiers.map((t: { name: string }) => t.name),
    ['default', 'authenticated', 'premium'],
  );

  const password = 'limits cli password';
  registerSecret(password);
  assert.equal(run(['init', '--org', 'Acme', '--email', 'ops@example.com', '--password-stdin'], password).status, 0);
  const tier = () =>
    new SQLite(join(dir, 'gatehouse.db'), { readonly: true }).prepare('select rate_limit_tier as t from organizations').get() as {
      t: string | null;
    };

  const set = run(['--json', 'limits', 'set-tier', 'acme', 'premium']);
  assert.equal(set.status, 0, set.stderr);
  assert.equal(JSON.parse(set.stdout).tier, 'premium');
  assert.equal(tier().t, 'premium');

  const unknown = run(['limits', 'set-tier', 'acme', 'gold']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /^gatehouse: unknown tier "gold"; configured: default, authenticated, premium\n$/);
  assert.equal(tier().t, 'premium', 'nothing changed');

  const missing = run(['limits', 'set-tier', 'nope', 'none']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no organization "nope"/);

  assert.equal(run(['limits', 'set-tier', 'acme', 'none']).status, 0);
  assert.equal(tier().t, null);
});
