import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
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
  const storage = openStorage(TEST_PG_URL, { schema, max: 5 });
  // A suite once hung here past its timeout on the shared PostgreSQL, not reproduced since. When
  // setting up takes this long, say who holds what, so the next occurrence explains itself.
  const watchdog = setTimeout(() => void reportStuckSetup(schema), 30_000);
  try {
    await migrateFreshSchema(storage, schema);
  } finally {
    clearTimeout(watchdog);
  }
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

/**
 * Creates the schema through the storage's own pool and migrates it. One CI run saw the migration
 * report the schema, created a moment before on another connection, as missing (not reproduced in
 * hundreds of local runs): then say what the server says of it on stderr and try once more, so a
 * hiccup of the shared server does not fail an unrelated suite, and the next one leaves evidence.
 */
async function migrateFreshSchema(storage: Storage, schema: string): Promise<void> {
  const create = () => sql`create schema if not exists ${sql.id(schema)}`.execute(storage.db);
  await create();
  try {
    await migrateToLatest(storage);
  } catch (err) {
    const seen = await sql<{ n: number; started: string; db: string }>`
      select (select count(*)::int from pg_namespace where nspname = ${schema}) as n,
             pg_postmaster_start_time()::text as started, current_database() as db`
      .execute(storage.db)
      .then(
        (r) => JSON.stringify(r.rows[0]),
        (e: unknown) => `unreadable: ${String(e)}`,
      );
    process.stderr.write(`migrating test schema ${schema} failed (${String(err)}); the server says ${seen}; once more\n`);
    await create();
    await migrateToLatest(storage);
  }
}

/** Writes PostgreSQL's view of the sessions and lock waits on the test database to stderr. */
async function reportStuckSetup(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  try {
    await c.connect();
    const sessions = await c.query(
      `select pid, state, wait_event_type, wait_event, now() - xact_start as in_xact, left(query, 160) as query
         from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
    );
    const waits = await c.query(`select pid, locktype, mode, granted, objid from pg_locks where not granted or locktype = 'advisory'`);
    process.stderr.write(
      `migrating test schema ${schema} takes over 30 s:\n${JSON.stringify({ sessions: sessions.rows, locks: waits.rows }, null, 1)}\n`,
    );
  } catch (err) {
    process.stderr.write(`migrating test schema ${schema} takes over 30 s; pg_stat_activity unreadable: ${String(err)}\n`);
  } finally {
    await c.end().catch(() => undefined);
  }
}
