import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Storage } from '../storage.ts';
import type { TableInfo } from './tables.ts';

export type Row = Record<string, unknown>;
/** Any table by name: the copy works on tables it learns from the database, not from types. */
export type AnyDb = Kysely<Record<string, Row>>;

export const anyDb = (storage: Storage): AnyDb => storage.db as unknown as AnyDb;

/**
 * One page of rows after `after` (the primary-key values of the last row of the previous page),
 * in primary-key order: pages are stable however many rows there are.
 */
export async function page(storage: Storage, table: TableInfo, after: readonly unknown[] | undefined, size: number): Promise<Row[]> {
  const key = sql.join(table.primaryKey.map((c) => sql.ref(c)));
  const where = after === undefined ? sql`` : sql`where (${key}) > (${sql.join(after.map((v) => sql`${v}`))})`;
  const res = await sql<Row>`select * from ${sql.table(table.name)} ${where} order by ${key} limit ${size}`.execute(storage.db);
  return res.rows;
}

/** A value as both dialects agree on it: booleans as 0/1, dates as epoch ms, bytes as base64, big integers as numbers. */
function normalize(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return v;
}

/** A row's digest over `columns`, the same on SQLite and PostgreSQL for the same values. */
export function rowDigest(row: Row, columns: readonly string[]): Buffer {
  return createHash('sha256')
    .update(JSON.stringify(columns.map((c) => normalize(row[c]))))
    .digest();
}

export interface TableSum {
  readonly rows: number;
  /** Sum of the row digests modulo 2^256, hex: independent of row order (collations differ between dialects). */
  readonly checksum: string;
}

const MOD = 1n << 256n;

/** Counts a table and sums its row digests, page by page. */
export async function tableSum(storage: Storage, table: TableInfo, pageSize = 1000): Promise<TableSum> {
  let rows = 0;
  let sum = 0n;
  let after: unknown[] | undefined;
  for (;;) {
    const batch = await page(storage, table, after, pageSize);
    for (const row of batch) sum = (sum + BigInt(`0x${rowDigest(row, table.columns).toString('hex')}`)) % MOD;
    rows += batch.length;
    const last = batch.at(-1);
    if (last === undefined || batch.length < pageSize) break;
    after = table.primaryKey.map((c) => last[c]);
  }
  return { rows, checksum: sum.toString(16).padStart(64, '0') };
}
