import { assertPasswordAllowed } from '../credentials/password-policy.ts';
import { hashPassword } from '../credentials/passwords.ts';
import type { Db, Storage } from '../storage/index.ts';
import { addMembership } from './memberships.ts';
import { createOrganization } from './organizations.ts';
import type { OrganizationRow, UserRow } from './tables.ts';
import { createUser } from './users.ts';

export interface Registered {
  readonly organization: OrganizationRow;
  readonly user: UserRow;
}

/** A new organization and its owner, in one transaction (nothing is left half-created). The password must pass the policy. */
export async function registerOrganization(
  storage: Storage,
  input: { organizationName: string; organizationSlug: string; email: string; name: string; password: string },
  now: number,
): Promise<Registered> {
  await assertPasswordAllowed(input.password, {
    email: input.email,
    name: input.name,
    organizationName: input.organizationName,
    organizationSlug: input.organizationSlug,
  });
  const passwordHash = await hashPassword(input.password);
  return storage.transaction(async (trx) => {
    const organization = await createOrganization(trx, { name: input.organizationName, slug: input.organizationSlug }, now);
    const user = await createUser(trx, { email: input.email, displayName: input.name, passwordHash }, now);
    await addMembership(trx, organization.id, user.id, 'owner', now);
    return { organization, user };
  });
}

/** A new user with a personal organization they own. The password must pass the policy. */
export async function registerUser(
  storage: Storage,
  input: { email: string; username?: string | undefined; name?: string | undefined; password: string },
  now: number,
): Promise<Registered> {
  await assertPasswordAllowed(input.password, { email: input.email, username: input.username, name: input.name });
  const passwordHash = await hashPassword(input.password);
  return storage.transaction((trx) => createPersonalAccount(trx, { ...input, passwordHash }, now));
}

/**
 * The one way a user and their personal organization come to be: `registerUser` (with a password)
 * and a first sign-in through a provider (`passwordHash` = {@link NO_PASSWORD}) both run it, inside
 * the caller's transaction.
 */
export async function createPersonalAccount(
  trx: Db,
  input: { email: string; username?: string | undefined; name?: string | undefined; passwordHash: string },
  now: number,
): Promise<Registered> {
  const displayName = input.name ?? input.username ?? input.email.split('@')[0] ?? input.email;
  const user = await createUser(trx, { email: input.email, username: input.username, displayName, passwordHash: input.passwordHash }, now);
  const slug = `personal-${user.id.slice(4).toLowerCase()}`;
  const organization = await createOrganization(trx, { name: `${displayName}'s workspace`, slug, personalOf: user.id }, now);
  await addMembership(trx, organization.id, user.id, 'owner', now);
  return { organization, user };
}
