import { duration, string } from '../option.ts';

/** Options of forward-auth and the proxy. */
export const edgeOptions = {
  routePolicy: string<string | undefined>({
    doc: 'Route policy file (YAML or JSON) for `/v1/forward-auth` and `gatehouse proxy`: host + path + method → scopes, memory space, public routes, rate-limit tier. Checked at start, reloaded when it changes. Unset: every request needs a valid credential.',
    default: undefined,
    minLength: 1,
  }),
  proxyUpstreamTimeout: duration({
    doc: '`gatehouse proxy`: how long the upstream may take to send its response headers before the caller gets 504 (`ERR-9004`). Streaming bodies are not cut off.',
    default: 30,
    min: 1,
    max: 3600,
  }),
} as const;
