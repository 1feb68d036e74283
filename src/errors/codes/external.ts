import type { ErrorSpec } from '../spec.ts';

/** external errors; entries are added by the external module. */
export const externalErrors = {} as const satisfies Record<string, ErrorSpec>;
