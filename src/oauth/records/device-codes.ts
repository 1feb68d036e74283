import { consumeOnce, type Db } from '../../storage/index.ts';
import type { OAuthDeviceCodeRow } from '../tables.ts';

export async function insertDeviceCode(db: Db, row: OAuthDeviceCodeRow): Promise<void> {
  await db.insertInto('oauth_device_codes').values(row).execute();
}

export async function findDeviceCode(db: Db, deviceCodeHash: string): Promise<OAuthDeviceCodeRow | undefined> {
  return db.selectFrom('oauth_device_codes').selectAll().where('device_code_hash', '=', deviceCodeHash).executeTakeFirst();
}

export async function findByUserCode(db: Db, userCodeHash: string): Promise<OAuthDeviceCodeRow | undefined> {
  return db.selectFrom('oauth_device_codes').selectAll().where('user_code_hash', '=', userCodeHash).executeTakeFirst();
}

/**
 * Records a poll when the device waited its interval since the last one (compare-and-set on
 * `last_polled_at`, so two racing polls cannot both pass). Answers false for a poll that came
 * too early: its interval then grows by 5 seconds (RFC 8628 §3.5) and the wait starts again.
 */
export async function recordPoll(db: Db, row: OAuthDeviceCodeRow, now: number): Promise<boolean> {
  const early = row.last_polled_at !== null && now - row.last_polled_at < row.poll_interval * 1000;
  let q = db
    .updateTable('oauth_device_codes')
    .set({ last_polled_at: now, ...(early ? { poll_interval: row.poll_interval + 5 } : {}) })
    .where('device_code_hash', '=', row.device_code_hash);
  q = row.last_polled_at === null ? q.where('last_polled_at', 'is', null) : q.where('last_polled_at', '=', row.last_polled_at);
  const r = await q.executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) {
    // Another poll of the same code won the race: this one was too early.
    await db
      .updateTable('oauth_device_codes')
      .set((eb) => ({ poll_interval: eb('poll_interval', '+', 5), last_polled_at: now }))
      .where('device_code_hash', '=', row.device_code_hash)
      .execute();
    return false;
  }
  return !early;
}

/** The user's decision, once: only a pending, unexpired code changes. True when this call decided it. */
export async function decideDeviceCode(
  db: Db,
  deviceCodeHash: string,
  now: number,
  decision: { status: 'approved'; userId: string; organizationId: string; authTime: number } | { status: 'denied' },
): Promise<boolean> {
  const r = await db
    .updateTable('oauth_device_codes')
    .set(
      decision.status === 'approved'
        ? { status: 'approved', user_id: decision.userId, organization_id: decision.organizationId, auth_time: decision.authTime }
        : { status: 'denied' },
    )
    .where('device_code_hash', '=', deviceCodeHash)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Consume-once: the row when this caller redeemed it first. */
export function consumeDeviceCode(db: Db, deviceCodeHash: string, now: number): Promise<OAuthDeviceCodeRow | undefined> {
  return consumeOnce(db, 'oauth_device_codes', 'device_code_hash', deviceCodeHash, 'consumed_at', now);
}

/** Remembers the grant the redemption made, so a replay can revoke it. */
export async function setDeviceCodeSession(db: Db, deviceCodeHash: string, sessionId: string): Promise<void> {
  await db.updateTable('oauth_device_codes').set({ session_id: sessionId }).where('device_code_hash', '=', deviceCodeHash).execute();
}

/** Drops codes that expired before `before` (housekeeping on new authorizations). */
export async function deleteExpiredDeviceCodes(db: Db, before: number): Promise<void> {
  await db.deleteFrom('oauth_device_codes').where('expires_at', '<', before).execute();
}
