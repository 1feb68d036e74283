import { GatehouseError } from '../errors/index.ts';
import { isId, newId } from '../lib/ids.ts';
import type { Db } from '../storage/index.ts';
import { mapUniqueViolation } from './errors.ts';
import { normalizeEmail, normalizeUsername } from './normalize.ts';
import type { UserRow } from './tables.ts';

export interface NewUser {
  readonly email: string;
  readonly username?: string | undefined;
  readonly displayName: string;
  readonly passwordHash: string;
}

export async function createUser(db: Db, input: NewUser, now: number): Promise<UserRow> {
  const row: UserRow = {
    id: newId('usr', now),
    email: input.email.trim(),
    email_normalized: normalizeEmail(input.email),
    username: input.username?.trim() ?? null,
    username_normalized: input.username === undefined ? null : normalizeUsername(input.username),
    display_name: input.displayName,
    password_hash: input.passwordHash,
    disabled_at: null,
    password_changed_at: now,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('users').values(row).execute().catch(mapUniqueViolation);
  return row;
}

/** By email or username, after normalisation. */
export async function findUserByIdentifier(db: Db, identifier: { email?: string; username?: string }): Promise<UserRow | undefined> {
  if (identifier.email !== undefined) {
    return db.selectFrom('users').selectAll().where('email_normalized', '=', normalizeEmail(identifier.email)).executeTakeFirst();
  }
  if (identifier.username !== undefined) {
    return db.selectFrom('users').selectAll().where('username_normalized', '=', normalizeUsername(identifier.username)).executeTakeFirst();
  }
  return undefined;
}

/**
 * The brute-force counter of a login: the account's id when the identifier names one, so email
 * and username count together; else the normalised identifier itself, counted the same way.
 * Kinds are prefixed: an unknown username that spells a user id never touches that user's counter.
 */
export function attemptAccountKey(user: UserRow | undefined, identifier: { email?: string; username?: string }): string {
  if (user) return `user:${user.id}`;
  if (identifier.email !== undefined) return `email:${normalizeEmail(identifier.email)}`;
  return `username:${normalizeUsername(identifier.username ?? '')}`;
}

export async function getUser(db: Db, id: string): Promise<UserRow> {
  const user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!user) throw new GatehouseError('not_found', 'User not found');
  return user;
}

export async function setPasswordHash(db: Db, id: string, passwordHash: string, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ password_hash: passwordHash, password_changed_at: now, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Disables (at `now`) or re-enables a user; a disabled user cannot log in or refresh. */
export async function setUserDisabled(db: Db, id: string, disabled: boolean, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ disabled_at: disabled ? now : null, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** By id (`usr_…`), email or username. */
export async function findUser(db: Db, ref: string): Promise<UserRow | undefined> {
  if (isId(ref, 'usr')) return db.selectFrom('users').selectAll().where('id', '=', ref).executeTakeFirst();
  return findUserByIdentifier(db, ref.includes('@') ? { email: ref } : { username: ref });
}

/** The public view of a user: never the hash. */
export function renderUser(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    username: u.username,
    name: u.display_name,
    disabled: u.disabled_at !== null,
    created_at: new Date(u.created_at).toISOString(),
  };
}

/**
 * The stored password hash of a user who has none (signed up through a provider): no password
 * verifies against it, and `/v1/auth/login` refuses it like any wrong password.
 */
export const NO_PASSWORD = '';

export function hasPassword(user: UserRow): boolean {
  return user.password_hash !== NO_PASSWORD;
}
