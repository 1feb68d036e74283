import { sql } from 'kysely';
import type { Storage } from '../storage.ts';

/** One table as the copy sees it: its columns, primary key, and the tables its foreign keys name. */
export interface TableInfo {
  readonly name: string;
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
  readonly references: readonly string[];
}

/** Kysely's own bookkeeping: each side migrates itself, so these are never copied. */
const SKIP = new Set(['kysely_migration', 'kysely_migration_lock']);

async function sqliteTables(storage: Storage): Promise<TableInfo[]> {
  const names = await sql<{
    name: string;
  }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(storage.db);
  const out: TableInfo[] = [];
  for (const { name } of names.rows) {
    if (SKIP.has(name)) continue;
    const cols = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${name}) order by cid`.execute(storage.db);
    const fks = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${name})`.execute(storage.db);
    out.push({
      name,
      columns: cols.rows.map((c) => c.name),
      primaryKey: cols.rows
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      references: [...new Set(fks.rows.map((f) => f.table))],
    });
  }
  return out;
}

async function postgresTables(storage: Storage): Promise<TableInfo[]> {
  const names = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname = current_schema() order by c.relname`.execute(storage.db);
  const out: TableInfo[] = [];
  for (const { name } of names.rows) {
    if (SKIP.has(name)) continue;
    const rel = storage.schema ? `${storage.schema}.${name}` : name;
    const cols = await sql<{ name: string }>`
      select attname as name from pg_attribute where attrelid = ${rel}::regclass and attnum > 0 and not attisdropped order by attnum`.execute(
      storage.db,
    );
    const pk = await sql<{ name: string }>`
      select a.attname as name from pg_index i
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = ${rel}::regclass and i.indisprimary
      order by array_position(i.indkey::int2[], a.attnum)`.execute(storage.db);
    const fks = await sql<{ name: string }>`
      select r.relname as name from pg_constraint k join pg_class r on r.oid = k.confrelid
      where k.conrelid = ${rel}::regclass and k.contype = 'f'`.execute(storage.db);
    out.push({
      name,
      columns: cols.rows.map((c) => c.name),
      primaryKey: pk.rows.map((c) => c.name),
      references: [...new Set(fks.rows.map((f) => f.name))],
    });
  }
  return out;
}

/**
 * Every table of a migrated database, parents before children (by foreign keys), read from the
 * database itself — so tables that later migrations add are copied without naming them here.
 */
export async function listTables(storage: Storage): Promise<TableInfo[]> {
  const tables = storage.dialect === 'sqlite' ? await sqliteTables(storage) : await postgresTables(storage);
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ordered: TableInfo[] = [];
  const seen = new Set<string>();
  const visit = (t: TableInfo, path: Set<string>) => {
    if (seen.has(t.name) || path.has(t.name)) return;
    path.add(t.name);
    for (const ref of t.references) {
      const parent = byName.get(ref);
      if (parent && parent !== t) visit(parent, path);
    }
    seen.add(t.name);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered;
}
