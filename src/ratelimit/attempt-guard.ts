/** Keys a guessing attempt is counted under. */
export interface AttemptKeys {
  /** Normalised account identifier (email or username), when the surface has one. */
  readonly account?: string;
  readonly ip: string;
}

/** Secret-guessing surfaces the guard covers. */
export type GuardedSurface = 'login' | 'invitation' | 'password_change' | 'refresh' | 'device_code';

/**
 * Brute-force protection. Callers check before verifying a secret, then report the outcome.
 */
export interface AttemptGuard {
  /** Throws `too_many_attempts` (429 with Retry-After) when these keys are locked out. */
  assertAllowed(surface: GuardedSurface, keys: AttemptKeys): Promise<void>;
  recordFailure(surface: GuardedSurface, keys: AttemptKeys): Promise<void>;
  /** A success resets the account counter. */
  recordSuccess(surface: GuardedSurface, keys: AttemptKeys): Promise<void>;
}

/** Allows everything (tools that never face the network). */
export const openAttemptGuard: AttemptGuard = {
  async assertAllowed() {},
  async recordFailure() {},
  async recordSuccess() {},
};
