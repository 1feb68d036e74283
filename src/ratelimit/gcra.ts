import type { RateLimitLayer } from '../config/options/limits.ts';

/**
 * A rate-limit policy: `limit` requests per `windowMs`, of which `burst` may arrive at once on a
 * full bucket. Enforced with GCRA (the generic cell rate algorithm): one number per bucket, the
 * theoretical arrival time (TAT), so every store can update it atomically.
 */
export interface Policy {
  /** Tier or layer name, shown in `RateLimit-Policy`. */
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly burst: number;
}

/** The outcome of one request against a bucket. */
export interface Decision {
  readonly allowed: boolean;
  readonly layer: RateLimitLayer;
  readonly policy: Policy;
  /** Requests that could still be made right now. */
  readonly remaining: number;
  /** Epoch ms at which the bucket is full again. */
  readonly resetAt: number;
  /** Ms until the next request can pass (0 when allowed). */
  readonly retryAfterMs: number;
}

/** Emission interval (ms between requests at the sustained rate) and burst tolerance. */
export function gcraParams(p: Policy): { interval: number; tolerance: number } {
  const interval = p.windowMs / p.limit;
  return { interval, tolerance: interval * p.burst };
}

/** Whether a request passed, and the bucket's TAT after it. */
export interface Step {
  readonly allowed: boolean;
  readonly tat: number;
}

/**
 * One GCRA step. Returns whether the request passes and the TAT to store (unchanged when
 * refused). The Redis store runs the same arithmetic in Lua (`redis-store.ts`).
 */
export function gcraStep(tat: number | undefined, now: number, p: Policy): Step {
  const { interval, tolerance } = gcraParams(p);
  const base = tat === undefined || tat < now ? now : tat;
  const next = base + interval;
  return next - now > tolerance ? { allowed: false, tat: base } : { allowed: true, tat: next };
}

/** Derives the headers' figures from a step's result. */
export function describeStep(layer: RateLimitLayer, { allowed, tat }: Step, now: number, p: Policy): Decision {
  const { interval, tolerance } = gcraParams(p);
  const remaining = allowed ? Math.max(0, Math.floor((tolerance - (tat - now)) / interval + 1e-9)) : 0;
  const retryAfterMs = allowed ? 0 : Math.max(0, tat + interval - tolerance - now);
  return { allowed, layer, policy: p, remaining, resetAt: tat, retryAfterMs };
}
