import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from './database.ts';
import type { Storage } from './storage.ts';

/**
 * The database file and its `-wal`/`-shm` companions are readable by the owner only, like the
 * secrets beside them: the file is created 0600 before SQLite opens it (SQLite gives the WAL and
 * shared-memory files the database file's mode), whatever the umask, and an existing file from an
 * older version is tightened.
 */
function restrictFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** Opens (creating if needed) an SQLite database in WAL mode. `:memory:` works for tests. */
export function openSqlite(path: string): Storage {
  if (path !== ':memory:') restrictFiles(path);
  const raw = new SQLite(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  let closed = false;
  return {
    dialect: 'sqlite',
    db,
    description: `sqlite:${path}`,
    transaction: (fn) => db.transaction().execute(fn),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
