import type { CoreDeps } from '../deps.ts';
import { GatehouseError } from '../errors/index.ts';
import { createPersonalAccount } from '../identity/register.ts';
import type { UserRow } from '../identity/tables.ts';
import { findUserByIdentifier, getUser, hasPassword, NO_PASSWORD } from '../identity/users.ts';
import { newId } from '../lib/ids.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import { deleteIdentity, findIdentity, identitiesOfUser, insertIdentity, touchIdentity } from './records.ts';
import type { UserIdentityRow } from './tables.ts';
import type { UpstreamProfile } from './upstream.ts';

export interface SocialSignIn {
  readonly user: UserRow;
  /** How this sign-in found its user. */
  readonly via: 'linked' | 'email' | 'created';
  readonly identity: UserIdentityRow;
}

function newIdentity(userId: string, provider: string, profile: UpstreamProfile, now: number): UserIdentityRow {
  return {
    id: newId('idn', now),
    user_id: userId,
    provider,
    subject: profile.subject,
    email: profile.emailVerified ? profile.email : null,
    created_at: now,
    last_used_at: now,
  };
}

/** OIDC caps `sub` at 255 ASCII characters; anything else is not an account id we store. */
function assertSubject(profile: UpstreamProfile): void {
  if (profile.subject === '' || profile.subject.length > 255)
    throw new GatehouseError('social_response_invalid', 'The provider named no usable account id');
}

function assertEnabled(user: UserRow): void {
  if (user.disabled_at !== null) throw new GatehouseError('account_disabled');
}

/**
 * The user a provider sign-in is for: the one this provider account is linked to; else the user
 * with the email the provider verified, when that user has no password (the link is made now; a
 * password account links only from its own session); else a new user with a personal
 * organization, made exactly as `/v1/auth/register` makes one, without a password. An email the
 * provider does not vouch for never links and never creates.
 */
export async function signInWithProfile(
  deps: CoreDeps,
  provider: string,
  profile: UpstreamProfile,
  retried = false,
): Promise<SocialSignIn> {
  const { db } = deps.storage;
  const now = deps.clock.now();
  assertSubject(profile);
  const linked = await findIdentity(db, provider, profile.subject);
  if (linked) {
    const user = await getUser(db, linked.user_id);
    assertEnabled(user);
    await touchIdentity(db, linked.id, now);
    return { user, via: 'linked', identity: linked };
  }
  if (!profile.emailVerified || profile.email === null) throw new GatehouseError('social_email_unverified');
  const existing = await findUserByIdentifier(db, { email: profile.email });
  if (existing) {
    assertEnabled(existing);
    // Pre-account takeover: registering takes any address unproven, so a password account is
    // linked only from its own session. One without a password was made by a provider sign-in,
    // which verified this same address.
    if (hasPassword(existing)) throw new GatehouseError('social_link_requires_sign_in');
    const identity = newIdentity(existing.id, provider, profile, now);
    if (!(await insertIdentity(db, identity))) throw new GatehouseError('social_identity_taken');
    return { user: existing, via: 'email', identity };
  }
  const email = profile.email;
  try {
    return await deps.storage.transaction(async (trx) => {
      const { user } = await createPersonalAccount(trx, { email, name: profile.name ?? undefined, passwordHash: NO_PASSWORD }, now);
      const identity = newIdentity(user.id, provider, profile, now);
      await trx.insertInto('user_identities').values(identity).execute();
      return { user, via: 'created' as const, identity };
    });
  } catch (err) {
    // Two first sign-ins of one person at once: the other created the user (or the link) first.
    // Once: then this one finds it, as a later sign-in would.
    const lostRace = isUniqueViolation(err) || (err instanceof GatehouseError && err.error === 'email_taken');
    if (lostRace && !retried) return signInWithProfile(deps, provider, profile, true);
    throw err;
  }
}

/** Links a provider account to a signed-in user (who proved both); refused when it is anyone else's, or the user has one of this provider. */
export async function linkProfile(deps: CoreDeps, userId: string, provider: string, profile: UpstreamProfile): Promise<UserIdentityRow> {
  const { db } = deps.storage;
  assertSubject(profile);
  const user = await getUser(db, userId);
  assertEnabled(user);
  const identity = newIdentity(userId, provider, profile, deps.clock.now());
  if (!(await insertIdentity(db, identity))) throw new GatehouseError('social_identity_taken');
  return identity;
}

/**
 * Removes one of the user's links. Refused when it is the last way the user can sign in (no
 * password and no other link). Not the user's own link: `not_found`, like a missing one.
 */
export async function unlinkIdentity(deps: CoreDeps, userId: string, identityId: string): Promise<UserIdentityRow> {
  const { storage } = deps;
  return storage.transaction(async (trx) => {
    // Two concurrent unlinks must not both see "another way in remains": on PostgreSQL the user's
    // row is locked for the check; SQLite runs one write transaction at a time.
    const lock = trx.selectFrom('users').selectAll().where('id', '=', userId);
    const user = storage.dialect === 'postgres' ? await lock.forUpdate().executeTakeFirst() : await lock.executeTakeFirst();
    if (!user) throw new GatehouseError('not_found', 'Linked provider not found');
    const mine = await identitiesOfUser(trx, userId);
    const target = mine.find((i) => i.id === identityId);
    if (!target) throw new GatehouseError('not_found', 'Linked provider not found');
    if (!hasPassword(user) && mine.length === 1) throw new GatehouseError('social_last_sign_in');
    if (!(await deleteIdentity(trx, userId, identityId))) throw new GatehouseError('not_found', 'Linked provider not found');
    return target;
  });
}

export function renderIdentity(i: UserIdentityRow) {
  return {
    id: i.id,
    provider: i.provider,
    subject: i.subject,
    email: i.email,
    created_at: new Date(i.created_at).toISOString(),
    last_used_at: new Date(i.last_used_at).toISOString(),
  };
}
