import type { ErrorSpec } from '../spec.ts';

/** Authenticated, but not allowed (ERR-6xxx). */
export const authorizationErrors = {
  insufficient_scope: {
    code: 'ERR-6001',
    status: 403,
    title: 'Insufficient scope',
    description: 'The credential lacks a scope this operation needs; the challenge names it.',
    oauth: 'insufficient_scope',
  },
  insufficient_role: {
    code: 'ERR-6002',
    status: 403,
    title: 'Insufficient role',
    description: "The caller's role in the organization does not allow this operation.",
    oauth: 'insufficient_scope',
  },
  memory_space_forbidden: {
    code: 'ERR-6003',
    status: 403,
    title: 'Memory space not allowed',
    description: 'The credential is not bound to the requested memory space.',
    oauth: 'insufficient_scope',
  },
  memory_space_required: {
    code: 'ERR-6004',
    status: 400,
    title: 'Memory space required',
    description: 'The credential covers several memory spaces; name one with `X-Memory-Space` or in the request.',
    oauth: 'invalid_request',
  },
  user_session_required: {
    code: 'ERR-6005',
    status: 403,
    title: 'User session required',
    description: "Only a user's own login session may do this (e.g. change its password); API keys and external tokens may not.",
  },
} as const satisfies Record<string, ErrorSpec>;
