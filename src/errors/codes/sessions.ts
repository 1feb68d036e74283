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
  logout_refresh_token_malformed: {
    code: 'ERR-3060',
    status: 400,
    title: 'Not a refresh token',
    description:
      "The `refresh_token` given to `POST /v1/auth/logout` is not a Gatehouse refresh token (`ghr_…`). The caller's own session, if it has one, was ended anyway; nothing else was.",
  },
  logout_refresh_token_not_yours: {
    code: 'ERR-3061',
    status: 403,
    title: "Refresh token is not the caller's",
    description:
      "The `refresh_token` given to `POST /v1/auth/logout` belongs to no session of the calling user (it is unknown, or another user's: the answer does not say which). The caller's own session, if it has one, was ended anyway; the other was not touched.",
  },
  logout_without_session: {
    code: 'ERR-3062',
    status: 400,
    title: 'No session to end',
    description:
      "The credential has no login session (an API key, an OAuth client or an external token) and no `refresh_token` of the user's was given, so logout would end nothing. Revoke an API key with `DELETE /v1/api-keys/{id}`.",
  },
} as const satisfies Record<string, ErrorSpec>;
