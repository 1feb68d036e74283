import type { ErrorSpec } from '../spec.ts';

/** tokens errors; entries are added by the tokens module. */
export const tokensErrors = {} as const satisfies Record<string, ErrorSpec>;
