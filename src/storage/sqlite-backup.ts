import { chmodSync, closeSync, openSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { migrationNames } from './migrate.ts';

/** The file of a `sqlite:` database URL (or plain path), or undefined for PostgreSQL. */
export function sqliteFile(databaseUrl: string): string | undefined {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return undefined;
  const path = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : databaseUrl;
  return path === ':memory:' ? undefined : resolve(path);
}

/** Every page in one step: the copy is one read transaction, a consistent snapshot however busy the writers. */
const ALL_PAGES = () => 0x7fffffff;

/**
 * Copies a live SQLite database to `dest` with SQLite's online backup API, while other processes
 * keep writing: into a temporary file first, then renamed, so `dest` is never a partial copy.
 */
export async function backupSqlite(source: string, dest: string): Promise<{ pages: number }> {
  const tmp = `${dest}.partial-${process.pid}`;
  rmSync(tmp, { force: true });
  // Created empty with mode 0600 before SQLite writes into it: the copy holds password and key hashes.
  closeSync(openSync(tmp, 'wx', 0o600));
  const db = new SQLite(source, { fileMustExist: true, readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    const { totalPages } = await db.backup(tmp, { progress: ALL_PAGES });
    chmodSync(tmp, 0o600);
    renameSync(tmp, dest);
    return { pages: totalPages };
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    db.close();
  }
}

export interface DbCheck {
  /** Migrations recorded in the file, in order. */
  readonly migrations: readonly string[];
  /** Why it is not a usable Gatehouse database; empty when it is. */
  readonly problems: readonly string[];
}

/** Whether `file` is an intact Gatehouse SQLite database whose migrations this version knows. */
export function checkGatehouseDb(file: string): DbCheck {
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { fileMustExist: true, readonly: true });
  } catch (err) {
    return { migrations: [], problems: [`cannot open ${file}: ${(err as Error).message}`] };
  }
  try {
    const integrity = db.pragma('quick_check', { simple: true });
    if (integrity !== 'ok') return { migrations: [], problems: [`${file} is damaged: ${String(integrity)}`] };
    const hasTable = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get();
    if (!hasTable) return { migrations: [], problems: [`${file} is not a Gatehouse database (no migrations recorded)`] };
    const migrations = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
    const known = new Set(migrationNames());
    const problems: string[] = [];
    if (!migrations.includes('0001_identity')) problems.push(`${file} is not a Gatehouse database (0001_identity was never applied)`);
    const unknown = migrations.filter((m) => !known.has(m));
    if (unknown.length > 0) problems.push(`${file} was made by a newer Gatehouse (unknown migrations: ${unknown.join(', ')})`);
    return { migrations, problems };
  } catch (err) {
    return { migrations: [], problems: [`${file} is not a readable SQLite database: ${(err as Error).message}`] };
  } finally {
    db.close();
  }
}

/**
 * Writes the database in `file` over `target` through the backup API, so SQLite itself replaces
 * the pages (and its write-ahead log) under its own locks — never a raw file copy under a WAL.
 */
export async function restoreSqlite(file: string, target: string): Promise<{ pages: number }> {
  const db = new SQLite(file, { fileMustExist: true, readonly: true });
  try {
    const { totalPages } = await db.backup(target, { progress: ALL_PAGES });
    return { pages: totalPages };
  } finally {
    db.close();
  }
}
