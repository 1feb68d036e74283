import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { migrateToLatest } from '../../src/storage/index.ts';
import * as audit from '../../src/storage/migrations/0005_audit.ts';
import { BACKENDS, openTestStorage, type TestStorage } from '../support/backends.ts';

/** One migration set for both dialects, applied at start and by `gatehouse migrate`. */
for (const backend of BACKENDS) {
  describe(`migrations (${backend})`, () => {
    let s: TestStorage;
    before(async () => {
      s = await openTestStorage(backend);
    });
    after(() => s.dispose());

    test('a second run applies nothing', async () => {
      assert.deepEqual(await migrateToLatest(s.storage), []);
    });

    test('a migration numbered below one already applied (a branch merged later) is applied, not refused', async () => {
      const db = s.storage.db as unknown as Kysely<unknown>;
      await audit.down(db);
      await sql`delete from ${sql.table('kysely_migration')} where name = ${'0005_audit'}`.execute(db);
      assert.deepEqual(await migrateToLatest(s.storage), ['0005_audit']);
      assert.deepEqual(await migrateToLatest(s.storage), []);
    });
  });
}
