import { type ErrorName, errorSpec } from './registry.ts';
import type { ErrorSpec } from './spec.ts';

/** Public fields a problem may carry besides the standard members. */
export interface ProblemExtras {
  /** Space-separated scopes for an `insufficient_scope` challenge. */
  readonly scope?: string;
  /** Seconds, rendered as `Retry-After`. */
  readonly retryAfter?: number;
  /** Additional public members of the problem body (e.g. `errors` for validation). */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** Extra response headers (e.g. `Allow`, rate-limit headers). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The one error type Gatehouse throws for anything a caller did wrong or may retry.
 * `detail` is public: it must never contain a secret, token, key or password.
 *
 * @example
 * throw new GatehouseError('token_expired', 'Token has expired');
 */
export class GatehouseError extends Error {
  override readonly name = 'GatehouseError';
  readonly error: ErrorName;
  readonly spec: ErrorSpec;
  readonly detail: string;
  readonly extras: ProblemExtras;

  constructor(error: ErrorName, detail?: string, extras: ProblemExtras = {}, options?: ErrorOptions) {
    const spec = errorSpec(error);
    // A caller's mistake (4xx) is an answer, not a bug: no stack trace is captured for it. With
    // source maps on, capturing one cost 5–15 µs, and a flood of bad credentials is mostly that.
    const limit = Error.stackTraceLimit;
    if (spec.status < 500) Error.stackTraceLimit = 0;
    try {
      super(detail ?? spec.title, options);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.error = error;
    this.spec = spec;
    this.detail = detail ?? spec.title;
    this.extras = extras;
  }

  get status(): number {
    return this.spec.status;
  }

  get code(): string {
    return this.spec.code;
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError;
}
