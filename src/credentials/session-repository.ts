import { consumeOnce, type Db } from '../storage/index.ts';
import type { RefreshTokenRow, SessionRow } from './session-tables.ts';

export async function insertSession(db: Db, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export async function insertRefreshToken(db: Db, tokenHash: string, sessionId: string, now: number): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({ token_hash: tokenHash, session_id: sessionId, created_at: now, used_at: null, replaced_by: null })
    .execute();
}

/** Records which token a rotation issued in place of `tokenHash`. */
export async function linkSuccessor(db: Db, tokenHash: string, successorHash: string): Promise<void> {
  await db.updateTable('refresh_tokens').set({ replaced_by: successorHash }).where('token_hash', '=', tokenHash).execute();
}

/**
 * A used token presented again within `leewayMs` of its rotation, while the token that rotation
 * issued is still unused (or not issued yet): a concurrent duplicate from the same client, not reuse.
 */
export async function isJustRotated(db: Db, token: RefreshTokenRow, now: number, leewayMs: number): Promise<boolean> {
  if (token.used_at === null || now - token.used_at >= leewayMs) return false;
  if (token.replaced_by === null) return true;
  const successor = await findRefreshToken(db, token.replaced_by);
  return successor !== undefined && successor.used_at === null;
}

/** Marks a refresh token used, exactly once; undefined when missing or already used. */
export function consumeRefreshToken(db: Db, tokenHash: string, now: number): Promise<RefreshTokenRow | undefined> {
  return consumeOnce(db, 'refresh_tokens', 'token_hash', tokenHash, 'used_at', now);
}

export async function findRefreshToken(db: Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function findSession(db: Db, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function touchSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_used_at: now }).where('id', '=', id).execute();
}

/** Revokes sessions not yet revoked; returns the ones this call revoked. */
export async function revokeSessions(
  db: Db,
  where: { id?: string; userId?: string; organizationId?: string; except?: string },
  reason: string,
  now: number,
): Promise<Pick<SessionRow, 'id' | 'user_id' | 'organization_id'>[]> {
  let q = db.selectFrom('sessions').select(['id', 'user_id', 'organization_id']).where('revoked_at', 'is', null);
  if (where.id !== undefined) q = q.where('id', '=', where.id);
  if (where.userId !== undefined) q = q.where('user_id', '=', where.userId);
  if (where.organizationId !== undefined) q = q.where('organization_id', '=', where.organizationId);
  if (where.except !== undefined) q = q.where('id', '!=', where.except);
  const candidates = await q.execute();
  if (candidates.length === 0) return [];
  // Only the rows this UPDATE changed count as revoked here (a concurrent revoke wins the others).
  const changed = await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where(
      'id',
      'in',
      candidates.map((r) => r.id),
    )
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  const won = new Set(changed.map((r) => r.id));
  return candidates.filter((r) => won.has(r.id));
}
