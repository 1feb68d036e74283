import type { CoreDeps } from '../deps.ts';
import { type AttemptGuard, openAttemptGuard } from './attempt-guard.ts';

export interface Limits {
  readonly guard: AttemptGuard;
  close(): Promise<void>;
}

/** Placeholder until the rate-limit module lands. */
export function createLimits(_deps: CoreDeps): Limits {
  return { guard: openAttemptGuard, close: async () => {} };
}
