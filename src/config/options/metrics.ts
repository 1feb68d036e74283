import { string } from '../option.ts';

/** Options of the metrics endpoint. */
export const metricsOptions = {
  metricsToken: string<string | undefined>({
    doc: 'Bearer token that `GET /metrics` requires. Unset: `/metrics` answers requests from loopback only.',
    default: undefined,
    minLength: 16,
    secret: true,
  }),
} as const;
