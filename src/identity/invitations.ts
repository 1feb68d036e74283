import { newId } from '../lib/ids.ts';
import type { Db } from '../storage/index.ts';
import { normalizeEmail } from './normalize.ts';
import type { InvitationRow, Role } from './tables.ts';

export const INVITATION_TTL_MS = 7 * 86_400_000;
export const INVITATION_PREFIX = 'ghi_';
export const INVITATION_SHAPE = /^ghi_[A-Za-z0-9_-]{43}$/;

export async function createInvitation(
  db: Db,
  input: { organizationId: string; email: string; name?: string; role: Role; tokenHash: string; invitedBy: string | null },
  now: number,
): Promise<InvitationRow> {
  const row: InvitationRow = {
    id: newId('inv', now),
    organization_id: input.organizationId,
    email: normalizeEmail(input.email),
    name: input.name ?? null,
    role: input.role,
    token_hash: input.tokenHash,
    invited_by: input.invitedBy,
    created_at: now,
    expires_at: now + INVITATION_TTL_MS,
    accepted_at: null,
    accepted_by: null,
    revoked_at: null,
  };
  await db.insertInto('invitations').values(row).execute();
  return row;
}

/** An invitation that can still be accepted at `now`, by its token hash. */
export async function findOpenInvitation(db: Db, tokenHash: string, now: number): Promise<InvitationRow | undefined> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Consume-once: marks the invitation accepted; false when someone else got there first. */
export async function acceptInvitation(db: Db, id: string, userId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('invitations')
    .set({ accepted_at: now, accepted_by: userId })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function listInvitations(db: Db, organizationId: string, limit: number, cursor?: string): Promise<InvitationRow[]> {
  let q = db
    .selectFrom('invitations')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('id')
    .limit(limit + 1);
  if (cursor !== undefined) q = q.where('id', '>', cursor);
  return q.execute();
}

export async function revokeInvitation(db: Db, organizationId: string, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function invitationState(row: InvitationRow, now: number): 'pending' | 'accepted' | 'revoked' | 'expired' {
  if (row.accepted_at !== null) return 'accepted';
  if (row.revoked_at !== null) return 'revoked';
  return row.expires_at <= now ? 'expired' : 'pending';
}

export function renderInvitation(row: InvitationRow, now: number) {
  return {
    id: row.id,
    organization_id: row.organization_id,
    email: row.email,
    name: row.name,
    role: row.role,
    state: invitationState(row, now),
    invited_by: row.invited_by,
    created_at: new Date(row.created_at).toISOString(),
    expires_at: new Date(row.expires_at).toISOString(),
    accepted_at: row.accepted_at === null ? null : new Date(row.accepted_at).toISOString(),
  };
}
