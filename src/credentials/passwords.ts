import { GatehouseError } from '../errors/index.ts';
import { argon2Pool } from './argon2-pool.ts';

/** OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. Runs off the event loop. */
const PARAMS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * argon2 runs on threads of its own, one fewer than there are cores (at least one, at most four),
 * at a lower CPU priority than the event loop (src/credentials/argon2-pool.ts). On libuv's four threads a
 * burst of logins on 2 cores took a key-protected route's p99 from 16 to 105 ms; capped at one
 * thread, still 3× its quiet p99 with the server on one core. Unknown and known accounts queue
 * alike, so their answers still take the same time.
 */
const passwordPool = argon2Pool();
let operations = 0;
const argon2 = <T>(work: () => Promise<T>): Promise<T> => {
  operations++;
  return work();
};

/** argon2 hashes and verifications this process has run: the work a login costs, without a clock. */
export function passwordOperations(): number {
  return operations;
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** Length limits, checked before any hashing (a 1 MB password is a fast 400). */
export function assertPasswordAcceptable(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw new GatehouseError('invalid_password', `Passwords are ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long`);
  }
}

export function hashPassword(password: string): Promise<string> {
  assertPasswordAcceptable(password);
  return argon2(() => passwordPool.hash(password, PARAMS));
}

let dummy: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash. With no hash (unknown user) it verifies against a
 * dummy hash of the same cost, so both answers take the same time; the result is then false.
 * The same holds for an empty hash (a user with no password).
 */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX * 4) return false;
  dummy ??= argon2(() => passwordPool.hash('gatehouse-dummy-password', PARAMS));
  // A user without a password (an empty hash: signed up through a provider) costs the same work
  // as any other, so the time of an answer does not tell which accounts have one.
  const usable = storedHash !== undefined && storedHash !== '';
  const target = usable ? storedHash : await dummy;
  try {
    const ok = await argon2(() => passwordPool.verify(target, password));
    return usable && ok;
  } catch {
    return false;
  }
}
