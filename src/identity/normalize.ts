import { GatehouseError } from '../errors/index.ts';

/** Email as the unique key: trimmed, NFKC, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

/** Usernames are unique regardless of case. */
export function normalizeUsername(username: string): string {
  return username.trim().normalize('NFKC').toLowerCase();
}

/**
 * Characters that disguise what a name shows: C0/C1 controls, zero-width characters (U+200B–U+200D,
 * U+2060, U+FEFF), line and paragraph separators (U+2028/2029), bidirectional embeddings, overrides
 * and isolates (U+202A–U+202E, U+2066–U+2069), and lone surrogates (with the `u` flag a surrogate
 * range only matches an unpaired half).
 */
const DISGUISING = '\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200d\\u2028\\u2029\\u202a-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ud800-\\udfff';
const DISGUISING_RE = new RegExp(`[${DISGUISING}]`, 'u');
/** Blank: nothing but (any Unicode) whitespace. `\s` covers U+FEFF and the separators too. */
const BLANK_RE = /^\s*$/u;

/** Why `name` is not acceptable as a human-readable name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (BLANK_RE.test(name)) return 'must not be blank';
  if (DISGUISING_RE.test(name))
    return 'must not contain control, zero-width, line-separator or bidirectional-override characters, nor lone surrogates';
  return undefined;
}

/**
 * The one check every human-named field goes through (organizations, users, API keys, memory
 * spaces, invitations; HTTP bodies through the `x-human-name` schema keyword, the CLI directly).
 * Answers the name unchanged, or throws `invalid_name` (400).
 *
 * @example
 * normalizeName('Acme', 'organization name') // 'Acme'
 * normalizeName('\u202Eemag', 'name')        // throws invalid_name
 */
export function normalizeName(name: string, field = 'name'): string {
  const problem = nameProblem(name);
  if (problem !== undefined) throw new GatehouseError('invalid_name', `${field} ${problem}`);
  return name;
}

/** Local part and domain: no whitespace, no second `@`, no control or disguising characters. */
export const EMAIL_PATTERN = `^[^\\s@${DISGUISING}]{1,64}@[^\\s@${DISGUISING}]{1,255}$`;
export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{3,32}$';
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';
/** The memory-space naming rule: 1 to 64 of `A-Z a-z 0-9 _ . : -` (safe in a header, a path and a log line). */
export const SPACE_NAME_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';
const SPACE_NAME_RE = new RegExp(SPACE_NAME_PATTERN);

/** Whether `name` follows the memory-space naming rule. */
export function isSpaceName(name: string): boolean {
  return SPACE_NAME_RE.test(name);
}

/** Throws `invalid_memory_space_name` (400) unless `name` follows the naming rule; the name is not echoed. */
export function assertSpaceName(name: string, where: string): string {
  if (!isSpaceName(name))
    throw new GatehouseError('invalid_memory_space_name', `${where} is not a valid memory space name (1-64 of A-Z a-z 0-9 _ . : -)`);
  return name;
}
