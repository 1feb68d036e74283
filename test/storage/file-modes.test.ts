/** The SQLite database and its -wal/-shm files are 0600, like the secrets beside them, whatever the umask. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { migrateToLatest, openStorage } from '../../src/storage/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-modes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

test('a new database file and its WAL and shared-memory files are created 0600, even under umask 000', async () => {
  const saved = process.umask(0o000);
  try {
    const path = join(dir, 'data', 'gatehouse.db');
    const storage = openStorage(`sqlite:${path}`);
    await migrateToLatest(storage);
    await storage.db
      .insertInto('organizations')
      .values({
        id: 'org_x',
        name: 'X',
        slug: 'x-org',
        rate_limit_tier: null,
        personal_of: null,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.equal(mode(file).toString(8), '600', file);
    assert.equal(mode(join(dir, 'data')).toString(8), '700');
    await storage.close();
  } finally {
    process.umask(saved);
  }
});

test('an existing database file left 0644 by an older version is tightened to 0600 on open', async () => {
  const path = join(dir, 'old.db');
  writeFileSync(path, '');
  chmodSync(path, 0o644);
  const storage = openStorage(`sqlite:${path}`);
  await migrateToLatest(storage);
  assert.equal(mode(path).toString(8), '600');
  await storage.close();
});
