import { findMembership } from '../../identity/memberships.ts';
import type { Role } from '../../identity/tables.ts';
import type { OAuthContext } from '../context.ts';

/** The user's role in the organization when the user is enabled and still a member; else undefined. */
export async function activeRole(ctx: OAuthContext, userId: string, organizationId: string): Promise<Role | undefined> {
  const [membership, user] = await Promise.all([
    findMembership(ctx.storage.db, organizationId, userId),
    ctx.storage.db.selectFrom('users').select('disabled_at').where('id', '=', userId).executeTakeFirst(),
  ]);
  return membership && user && user.disabled_at === null ? membership.role : undefined;
}
