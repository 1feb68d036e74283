import type { Db } from '../storage/index.ts';
import { mapUniqueViolation } from './errors.ts';
import { normalizeEmail } from './normalize.ts';
import type { MembershipRow, Role } from './tables.ts';

export async function addMembership(db: Db, organizationId: string, userId: string, role: Role, now: number): Promise<MembershipRow> {
  const row: MembershipRow = { organization_id: organizationId, user_id: userId, role, created_at: now, updated_at: now };
  await db.insertInto('memberships').values(row).execute().catch(mapUniqueViolation);
  return row;
}

export async function findMembership(db: Db, organizationId: string, userId: string): Promise<MembershipRow | undefined> {
  return db
    .selectFrom('memberships')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Whether a user with this email (after normalisation) is a member: one query, registered or not. */
export async function isMemberByEmail(db: Db, organizationId: string, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('memberships.user_id')
    .where('memberships.organization_id', '=', organizationId)
    .where('users.email_normalized', '=', normalizeEmail(email))
    .executeTakeFirst();
  return row !== undefined;
}

/** A user's memberships, oldest first (the default organization at login is the first). */
export async function membershipsOfUser(db: Db, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['memberships.organization_id', 'memberships.role', 'memberships.created_at', 'organizations.name', 'organizations.slug'])
    .where('memberships.user_id', '=', userId)
    .orderBy('memberships.created_at')
    .orderBy('memberships.organization_id')
    .execute();
}

/** Members of an organization with their user, ordered by user id, after `cursor`. */
export async function listMembers(db: Db, organizationId: string, limit: number, cursor?: string) {
  let q = db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.username', 'users.display_name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.organization_id', '=', organizationId)
    .orderBy('users.id')
    .limit(limit + 1);
  if (cursor !== undefined) q = q.where('users.id', '>', cursor);
  return q.execute();
}

export async function countOwners(db: Db, organizationId: string): Promise<number> {
  const r = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'owner')
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function setRole(db: Db, organizationId: string, userId: string, role: Role, now: number): Promise<void> {
  await db
    .updateTable('memberships')
    .set({ role, updated_at: now })
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .execute();
}

export async function removeMembership(db: Db, organizationId: string, userId: string): Promise<void> {
  await db.deleteFrom('memberships').where('organization_id', '=', organizationId).where('user_id', '=', userId).execute();
}
