import type { Decision } from './gcra.ts';

/**
 * The rate-limit response headers of a decision: the de-facto `X-RateLimit-*` trio (reset in
 * epoch seconds) and the IETF pair (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy` with
 * quota `q` and window `w`, `RateLimit` with remaining `r` and seconds to reset `t`).
 *
 * @example
 * reply.headers(rateLimitHeaders(decision, clock.now()));
 */
export function rateLimitHeaders(d: Decision, now: number): Record<string, string> {
  const name = `"${d.policy.name}"`;
  return {
    'x-ratelimit-limit': String(d.policy.limit),
    'x-ratelimit-remaining': String(d.remaining),
    'x-ratelimit-reset': String(Math.ceil(d.resetAt / 1000)),
    'ratelimit-policy': `${name};q=${d.policy.limit};w=${Math.round(d.policy.windowMs / 1000)}`,
    ratelimit: `${name};r=${d.remaining};t=${Math.max(0, Math.ceil((d.resetAt - now) / 1000))}`,
  };
}
