import type { ErrorSpec } from '../spec.ts';

/** Rate limits, brute-force protection and operational endpoints (ERR-7xxx). */
export const limitErrors = {
  rate_limited: {
    code: 'ERR-7001',
    status: 429,
    title: 'Rate limit exceeded',
    description: 'Too many requests. Wait for the number of seconds in `Retry-After`.',
  },
  too_many_attempts: {
    code: 'ERR-7002',
    status: 429,
    title: 'Too many failed attempts',
    description: 'Too many failed attempts for this account or address. Wait for `Retry-After`; further attempts extend the wait.',
  },
  rate_limiter_unavailable: {
    code: 'ERR-7003',
    status: 503,
    title: 'Rate limiter unavailable',
    description: 'The shared rate-limit store is down and this layer is configured to fail closed.',
    oauth: 'temporarily_unavailable',
  },
  metrics_forbidden: {
    code: 'ERR-7004',
    status: 403,
    title: 'Metrics not available to this caller',
    description:
      '`GET /metrics` needs the configured metrics token as a Bearer credential, or, when none is configured, a request from loopback.',
  },
} as const satisfies Record<string, ErrorSpec>;
