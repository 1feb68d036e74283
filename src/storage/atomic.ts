import { sql } from 'kysely';
import type { Database } from './database.ts';
import type { Db } from './storage.ts';

type Table = keyof Database & string;

/**
 * Consume-once: sets `column` to `at` on the row whose `keyColumn = key` only if `column` is
 * still null, and returns that row; undefined when the row is missing or already consumed.
 * One statement (UPDATE … RETURNING), so two concurrent callers can never both win.
 */
export async function consumeOnce<T extends Table>(
  db: Db,
  table: T,
  keyColumn: keyof Database[T] & string,
  key: string,
  column: keyof Database[T] & string,
  at: number,
): Promise<Database[T] | undefined> {
  const result = await sql<Database[T]>`update ${sql.table(table)} set ${sql.ref(column)} = ${at}
    where ${sql.ref(keyColumn)} = ${key} and ${sql.ref(column)} is null returning *`.execute(db);
  return result.rows[0];
}

/**
 * Guarded increment: adds `by` to `column` on the row whose `keyColumn = key` only if the result
 * stays at or below `max`; returns the new value, or undefined when the guard (or the row) refused.
 */
export async function guardedIncrement<T extends Table>(
  db: Db,
  table: T,
  keyColumn: keyof Database[T] & string,
  key: string,
  column: keyof Database[T] & string,
  by: number,
  max: number = Number.MAX_SAFE_INTEGER,
): Promise<number | undefined> {
  const result = await sql<{ value: number }>`update ${sql.table(table)} set ${sql.ref(column)} = ${sql.ref(column)} + ${by}
    where ${sql.ref(keyColumn)} = ${key} and ${sql.ref(column)} + ${by} <= ${max}
    returning ${sql.ref(column)} as value`.execute(db);
  const v = result.rows[0]?.value;
  return v === undefined ? undefined : Number(v);
}

/**
 * Compare-and-set: sets `column` to `next` where `keyColumn = key` and `column` equals `expected`
 * (null allowed). Returns true when this caller won.
 */
export async function compareAndSet<T extends Table>(
  db: Db,
  table: T,
  keyColumn: keyof Database[T] & string,
  key: string,
  column: keyof Database[T] & string,
  expected: string | number | null,
  next: string | number | null,
): Promise<boolean> {
  const guard = expected === null ? sql`${sql.ref(column)} is null` : sql`${sql.ref(column)} = ${expected}`;
  const result = await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${next}
    where ${sql.ref(keyColumn)} = ${key} and ${guard}`.execute(db);
  return Number(result.numAffectedRows ?? 0n) === 1;
}
