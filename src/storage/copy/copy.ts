import { migrateToLatest } from '../migrate.ts';
import type { Storage } from '../storage.ts';
import { type AnyDb, page, type Row, type TableSum, tableSum } from './rows.ts';
import { listTables, type TableInfo } from './tables.ts';

export interface TableReport {
  readonly table: string;
  readonly copied: number;
  readonly source: TableSum;
  readonly target: TableSum;
  readonly equal: boolean;
}

export interface CopyOptions {
  /** Rows per read and per upsert transaction. */
  readonly batchSize?: number;
  /** Called after each table. */
  readonly onTable?: (report: TableReport) => void;
}

/** Inserts rows, or updates them where the primary key exists: running again changes nothing. */
async function upsert(db: AnyDb, table: TableInfo, rows: Row[]): Promise<void> {
  const rest = table.columns.filter((c) => !table.primaryKey.includes(c));
  const values = rows.map((r) => Object.fromEntries(table.columns.map((c) => [c, r[c] ?? null])));
  await db
    .insertInto(table.name)
    .values(values)
    .onConflict((oc) => {
      const on = oc.columns(table.primaryKey as string[]);
      return rest.length === 0 ? on.doNothing() : on.doUpdateSet((eb) => Object.fromEntries(rest.map((c) => [c, eb.ref(`excluded.${c}`)])));
    })
    .execute();
}

async function copyTable(source: Storage, target: Storage, table: TableInfo, batchSize: number): Promise<number> {
  let copied = 0;
  let after: unknown[] | undefined;
  for (;;) {
    const rows = await page(source, table, after, batchSize);
    if (rows.length > 0) await target.transaction(async (trx) => upsert(trx as unknown as AnyDb, table, rows));
    copied += rows.length;
    const last = rows.at(-1);
    if (last === undefined || rows.length < batchSize) return copied;
    after = table.primaryKey.map((c) => last[c]);
  }
}

/**
 * Copies every table of `source` into `target` (migrated first), parents before children, in
 * primary-key pages upserted one transaction each — so an interrupted copy run again ends in the
 * same state — then compares each table's row count and checksum on both sides.
 */
export async function copyStorage(source: Storage, target: Storage, opts: CopyOptions = {}): Promise<TableReport[]> {
  const batchSize = opts.batchSize ?? 500;
  await migrateToLatest(source);
  await migrateToLatest(target);
  const tables = await listTables(source);
  const targetTables = new Map((await listTables(target)).map((t) => [t.name, t]));
  for (const t of tables) {
    const there = targetTables.get(t.name);
    if (!there) throw new Error(`table ${t.name} is missing in the target`);
    const missing = t.columns.filter((c) => !there.columns.includes(c));
    if (missing.length > 0) throw new Error(`table ${t.name} in the target lacks columns ${missing.join(', ')}`);
    if (t.primaryKey.length === 0) throw new Error(`table ${t.name} has no primary key; it cannot be copied idempotently`);
  }
  const reports: TableReport[] = [];
  for (const table of tables) {
    const copied = await copyTable(source, target, table, batchSize);
    const [s, d] = await Promise.all([tableSum(source, table), tableSum(target, table)]);
    const report = { table: table.name, copied, source: s, target: d, equal: s.rows === d.rows && s.checksum === d.checksum };
    opts.onTable?.(report);
    reports.push(report);
  }
  return reports;
}
