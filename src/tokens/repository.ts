import { type Db, isUniqueViolation } from '../storage/index.ts';
import type { SigningKeyRow } from './tables.ts';

/** Keys that may still verify tokens at `now`: the active one and retired ones not yet expired. */
export async function listUsableKeys(db: Db, now: number): Promise<SigningKeyRow[]> {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('status', '=', 'active'), eb('expires_at', '>', now)]))
    .orderBy('created_at', 'desc')
    .execute();
}

export async function listAllKeys(db: Db): Promise<SigningKeyRow[]> {
  return db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
}

/**
 * Inserts a key as the active one. Returns false when another key is already active (a unique
 * partial index allows one active key, so concurrent first starts on many nodes agree).
 */
export async function insertActiveKey(db: Db, row: SigningKeyRow): Promise<boolean> {
  try {
    await db.insertInto('signing_keys').values(row).execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Retires the active key and inserts `next` as active, in one transaction. */
export async function rotateKeys(db: Db, next: SigningKeyRow, now: number, retiredExpiresAt: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('signing_keys')
      .set({ status: 'retired', retired_at: now, expires_at: retiredExpiresAt })
      .where('status', '=', 'active')
      .execute();
    await trx.insertInto('signing_keys').values(next).execute();
  });
}
