import type { ErrorSpec } from '../spec.ts';

/** Login, refresh tokens and signing keys (ERR-3xxx). */
export const sessionErrors = {
  invalid_credentials: {
    code: 'ERR-3001',
    status: 401,
    title: 'Invalid credentials',
    description: 'The identifier or the password is wrong. The answer is the same for both on purpose.',
  },
  invalid_refresh_token: {
    code: 'ERR-3002',
    status: 401,
    title: 'Invalid refresh token',
    description: 'The refresh token is unknown, expired or was revoked. Log in again.',
    oauth: 'invalid_grant',
  },
  refresh_token_reused: {
    code: 'ERR-3003',
    status: 401,
    title: 'Refresh token reuse detected',
    description: 'A refresh token was presented after it had been rotated. Every token of its session was revoked; log in again.',
    oauth: 'invalid_grant',
  },
  wrong_current_password: {
    code: 'ERR-3004',
    status: 403,
    title: 'Current password is wrong',
    description: 'Changing the password needs the current one.',
  },
  signing_key_not_found: {
    code: 'ERR-3005',
    status: 404,
    title: 'Signing key not found',
    description: 'No signing key has this id.',
  },
  refresh_token_rotated: {
    code: 'ERR-3050',
    status: 409,
    title: 'Refresh token was just rotated',
    description:
      'This refresh token was rotated a moment ago by a concurrent request (another tab or worker of the same client). Nothing was revoked: use the newest refresh token, the one that request received. Presented again after `refreshReuseLeeway`, or after its successor was used, it counts as reuse and ends the session.',
  },
} as const satisfies Record<string, ErrorSpec>;
