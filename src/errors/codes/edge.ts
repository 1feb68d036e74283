import type { ErrorSpec } from '../spec.ts';

/** Forward-auth, the route policy and the proxy (ERR-90xx). */
export const edgeErrors = {
  route_not_allowed: {
    code: 'ERR-9001',
    status: 403,
    title: 'No route policy rule allows this request',
    description:
      'The route policy has no rule for this host, method and path, and its `unmatched` setting is `deny`. Add a rule, or call a route the policy lists.',
  },
  original_request_invalid: {
    code: 'ERR-9002',
    status: 400,
    title: 'Original request not understood',
    description:
      'Forward-auth could not tell which request to decide on (no `X-Original-URI`, `X-Forwarded-Uri` or Envoy path), or its path is unsafe to match: dot segments, encoded slashes or backslashes, empty segments.',
    oauth: 'invalid_request',
  },
  upstream_unavailable: {
    code: 'ERR-9003',
    status: 502,
    title: 'Upstream unavailable',
    description: 'The proxy could not reach the upstream service, or the upstream broke the connection. Try again later.',
  },
  upstream_timeout: {
    code: 'ERR-9004',
    status: 504,
    title: 'Upstream timed out',
    description: 'The upstream service did not answer in time.',
  },
} as const satisfies Record<string, ErrorSpec>;
