import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case, as src/lib/ids.ts
function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = (ALPHABET[t % 32] ?? '0') + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** 80 random bits as 16 base-32 digits. */
function randomDigits(): number[] {
  const bytes = randomBytes(10);
  const digits: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      digits.push((acc >> bits) & 31);
    }
  }
  return digits;
}

/** Adds one to a base-32 number held as digits; false on overflow. */
function increment(digits: number[]): boolean {
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = (digits[i] ?? 0) + 1;
    if (d < 32) {
      digits[i] = d;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}

/**
 * A generator of `evt_…` ids with the shape of `newId('evt')` that also sort in the order they
 * were made within this process, even when the clock stands still or steps back (a frozen test
 * clock, an NTP correction): the same millisecond increments the random part, as ULID's
 * monotonic mode does. Ids from several nodes interleave by time only.
 *
 * @example
 * const next = eventIdGenerator();
 * next(clock.now()) < next(clock.now()); // true
 */
export function eventIdGenerator(): (now: number) => string {
  let lastTime = -1;
  let digits: number[] = [];
  return function nextEventId(now: number): string {
    if (now > lastTime) {
      lastTime = now;
      digits = randomDigits();
    } else if (!increment(digits)) {
      lastTime += 1;
      digits = randomDigits();
    }
    return `evt_${encodeTime(lastTime)}${digits.map((d) => ALPHABET[d] ?? '0').join('')}`;
  };
}
