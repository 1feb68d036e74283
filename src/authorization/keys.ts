import type { Role } from '../identity/tables.ts';
import type { Principal } from '../pipeline/principal.ts';
import { roleAtLeast } from './roles.ts';

/** What a caller wants to do with an API key of its organization. */
export type KeyAction = 'view' | 'change' | 'rotate';

/** The key as the rule sees it: who made it, and that user's role there now. */
export interface KeyOwner {
  /** `usr_…`, or null for an operator service key (made by the CLI). */
  readonly createdBy: string | null;
  /** The creator's current role in the organization; undefined when they are no longer a member. */
  readonly creatorRole: Role | undefined;
}

const RANK: Readonly<Record<Role, number>> = { owner: 3, admin: 2, member: 1, readonly: 0 };

/**
 * Object-level rule for API keys, the same for every credential: it reads the party behind the
 * principal (a user's session, a key the user made, a key minted by that key), never the
 * credential's kind.
 * - A party with no user behind it (an operator service key) acts on every key of its organization.
 * - Users see and change their own keys. Below admin, nothing else: another person's key is a 404.
 * - Admins and owners see every key; they change (rename, narrow, revoke) a service key and any
 *   user's key, except that only an owner changes an owner's.
 * - Rotation hands out a new secret that acts as the key's creator, so it needs more: a user rotates
 *   another user's key only when they outrank that user or are an owner, and never a service key
 *   (a user never obtains a credential with no user behind it).
 * Rotating also needs every scope and memory space of the key: the caller checks that.
 */
export function mayActOnKey(principal: Principal, action: KeyAction, key: KeyOwner): boolean {
  if (principal.userId === undefined) return true;
  if (key.createdBy === principal.userId) return true;
  if (!roleAtLeast(principal.role, 'admin') || principal.role === null) return false;
  if (action === 'view') return true;
  if (key.createdBy === null) return action === 'change';
  const creator = key.creatorRole;
  if (action === 'change') return principal.role === 'owner' || creator !== 'owner';
  return principal.role === 'owner' || creator === undefined || RANK[principal.role] > RANK[creator];
}
