import { randomInt } from 'node:crypto';

/**
 * RFC 8628 §6.1 user codes: 8 characters from 20 consonants (no vowels, so no words; no digits,
 * so no 0/O or 1/I confusion), about 34.5 bits. Shown as `XXXX-XXXX`; typed any case, with or
 * without the dash or spaces.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const LENGTH = 8;

/** A fresh user code in its display form, e.g. `WDJB-MJHT`. */
export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * The canonical form of what a person typed (upper case, separators dropped), or undefined when
 * it cannot be a user code. Only the canonical form is hashed and compared.
 *
 * @example
 * normalizeUserCode('wdjb mjht') // 'WDJBMJHT'
 */
export function normalizeUserCode(typed: string): string | undefined {
  if (typed.length > 40) return undefined;
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== LENGTH) return undefined;
  for (const c of code) if (!USER_CODE_ALPHABET.includes(c)) return undefined;
  return code;
}

/** `WDJBMJHT` → `WDJB-MJHT`. */
export function displayUserCode(canonical: string): string {
  return `${canonical.slice(0, 4)}-${canonical.slice(4)}`;
}
