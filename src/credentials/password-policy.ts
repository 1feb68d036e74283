import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { GatehouseError } from '../errors/index.ts';
import { assertPasswordAcceptable } from './passwords.ts';

/** Who the password is for: every identifier the user or their organization is known by. */
export interface PasswordOwner {
  readonly email?: string | undefined;
  readonly username?: string | null | undefined;
  readonly name?: string | undefined;
  readonly organizationName?: string | undefined;
  readonly organizationSlug?: string | undefined;
}

/**
 * zxcvbn score 2 means at least 10^6 guesses: safe against throttled online guessing (logins are
 * behind the per-account lockout), and below it lies every password of the common list
 * (`@zxcvbn-ts/language-common`, ~49,000 entries, most frequent first) with its usual variants
 * (capitals, digits, l33t, keyboard walks, repeats, sequences).
 */
export const MIN_SCORE = 2;
/** A password at least this much made of the user's own identifiers is refused, however long. */
const OWN_IDENTIFIER_SHARE = 0.5;
/**
 * zxcvbn's work grows with length; the first 64 characters decide. A password strong in its first
 * 64 is strong, and one that is weak there (a repeat, a list word) is weak whatever follows.
 */
const CHECKED_LENGTH = 64;

let estimator: Promise<ZxcvbnFactory> | undefined;

/** The dictionaries (a few MB) load once, on the first password set, never at start-up or on login. */
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]).then(
    ([core, common]) =>
      new core.ZxcvbnFactory({
        dictionary: { ...common.dictionary },
        graphs: common.adjacencyGraphs,
        // Levenshtein matching costs ~50 ms a check and adds nothing the common list misses.
        useLevenshteinDistance: false,
      }),
  );
  return estimator;
}

/** The identifiers as zxcvbn user inputs: each whole, plus an email's local part and a name's words. */
export function userInputsOf(owner: PasswordOwner): string[] {
  const out = new Set<string>();
  const add = (s: string | null | undefined) => {
    const v = s?.trim().toLowerCase();
    if (v && v.length >= 3) out.add(v);
  };
  add(owner.email);
  add(owner.email?.split('@')[0]);
  add(owner.username);
  add(owner.name);
  add(owner.organizationName);
  add(owner.organizationSlug);
  for (const s of [owner.name, owner.organizationName]) for (const word of s?.split(/[\s._-]+/) ?? []) add(word);
  return [...out];
}

export type PasswordWeakness = 'common' | 'own_identifier';

/** Why a password is refused, or undefined when it is acceptable. Length is checked separately. */
export async function passwordWeakness(password: string, owner: PasswordOwner): Promise<PasswordWeakness | undefined> {
  const zxcvbn = await loadEstimator();
  const checked = [...password].slice(0, CHECKED_LENGTH).join('');
  const result = zxcvbn.check(checked, userInputsOf(owner));
  let own = 0;
  for (const m of result.sequence) {
    if (m.pattern === 'dictionary' && m.dictionaryName === 'userInputs') own += [...m.token].length;
  }
  if (own >= [...checked].length * OWN_IDENTIFIER_SHARE) return 'own_identifier';
  if (result.score < MIN_SCORE) return 'common';
  return undefined;
}

const ADVICE = 'Use a longer passphrase, for example three or four unrelated words.';

/**
 * Every path that sets a password calls this: length limits, then the common-password list and
 * the user's own identifiers. Throws `weak_password` (400); the message never repeats the password.
 */
export async function assertPasswordAllowed(password: string, owner: PasswordOwner): Promise<void> {
  assertPasswordAcceptable(password);
  const weakness = await passwordWeakness(password, owner);
  if (weakness === 'own_identifier') {
    throw new GatehouseError(
      'weak_password',
      `This password is made from your own email, username, name or organization, which attackers try first. ${ADVICE}`,
    );
  }
  if (weakness === 'common') {
    throw new GatehouseError('weak_password', `This password is on the list of common or easily guessed passwords. ${ADVICE}`);
  }
}
