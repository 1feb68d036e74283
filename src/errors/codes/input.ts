import type { ErrorSpec } from '../spec.ts';

/** Input the server refuses on its shape alone (ERR-105x): nesting, names, memory-space names. */
export const inputErrors = {
  json_too_deep: {
    code: 'ERR-1050',
    status: 400,
    title: 'JSON nested too deeply',
    description:
      'A JSON body (or a free-form member such as `metadata`) nests objects and arrays deeper than Gatehouse accepts: 32 levels for a body, 5 for `metadata`.',
    oauth: 'invalid_request',
  },
  invalid_name: {
    code: 'ERR-1051',
    status: 400,
    title: 'Name not allowed',
    description:
      'A name people read (organization, user, API key, …) is blank or holds characters that disguise text: bidirectional overrides and isolates, zero-width characters, line or paragraph separators, control characters or lone surrogates.',
    oauth: 'invalid_request',
  },
  invalid_memory_space_name: {
    code: 'ERR-1052',
    status: 400,
    title: 'Invalid memory space name',
    description:
      'A memory space name (in a body, in `X-Memory-Space` or in a checked path) breaks the naming rule: 1 to 64 of `A-Z a-z 0-9 _ . : -`.',
    oauth: 'invalid_request',
  },
} as const satisfies Record<string, ErrorSpec>;
