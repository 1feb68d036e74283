/** Email as the unique key: trimmed, NFKC, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

/** Usernames are unique regardless of case. */
export function normalizeUsername(username: string): string {
  return username.trim().normalize('NFKC').toLowerCase();
}

/** Local part and domain: no whitespace, no second `@`, no control characters (NUL, DEL, C0/C1). */
export const EMAIL_PATTERN = '^[^\\s@\\u0000-\\u001f\\u007f-\\u009f]{1,64}@[^\\s@\\u0000-\\u001f\\u007f-\\u009f]{1,255}$';
export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{3,32}$';
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';
export const SPACE_NAME_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';
