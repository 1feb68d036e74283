import type { Decision, Policy } from './gcra.ts';

/** The parts that depend only on the policy, built once per policy. */
const fixed = new WeakMap<Policy, { name: string; limit: string; policy: string }>();

function fixedOf(p: Policy): { name: string; limit: string; policy: string } {
  let f = fixed.get(p);
  if (f === undefined) {
    const name = `"${p.name}"`;
    f = { name, limit: String(p.limit), policy: `${name};q=${p.limit};w=${Math.round(p.windowMs / 1000)}` };
    fixed.set(p, f);
  }
  return f;
}

/**
 * The rate-limit response headers of a decision: the de-facto `X-RateLimit-*` trio (reset in
 * epoch seconds) and the IETF pair (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy` with
 * quota `q` and window `w`, `RateLimit` with remaining `r` and seconds to reset `t`).
 *
 * @example
 * reply.headers(rateLimitHeaders(decision, clock.now()));
 */
export function rateLimitHeaders(d: Decision, now: number): Record<string, string> {
  const f = fixedOf(d.policy);
  return {
    'x-ratelimit-limit': f.limit,
    'x-ratelimit-remaining': String(d.remaining),
    'x-ratelimit-reset': String(Math.ceil(d.resetAt / 1000)),
    'ratelimit-policy': f.policy,
    ratelimit: `${f.name};r=${d.remaining};t=${Math.max(0, Math.ceil((d.resetAt - now) / 1000))}`,
  };
}
