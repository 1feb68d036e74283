import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openStorage, type Storage } from '../../src/storage/index.ts';

/** The PostgreSQL the tests use (this machine's, trust auth). */
export const TEST_PG_URL = process.env.GATEHOUSE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type BackendName = 'sqlite' | 'postgres';

/** Every backend the conformance and HTTP suites run against. */
export const BACKENDS: readonly BackendName[] = ['sqlite', 'postgres'];

export interface TestStorage {
  readonly storage: Storage;
  /** Closes the storage and drops what the test created (its PostgreSQL schema). */
  dispose(): Promise<void>;
}

/**
 * A fresh, migrated storage: SQLite in memory, or a new PostgreSQL schema `gh_test_…` that
 * `dispose` drops — tests never see each other's rows.
 */
export async function openTestStorage(backend: BackendName): Promise<TestStorage> {
  if (backend === 'sqlite') {
    const storage = openStorage('sqlite::memory:');
    await migrateToLatest(storage);
    return { storage, dispose: () => storage.close() };
  }
  const schema = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const storage = openStorage(TEST_PG_URL, { schema, max: 5 });
  await migrateToLatest(storage);
  return {
    storage,
    async dispose() {
      await storage.close();
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}
