import type { ErrorSpec } from '../spec.ts';

/** API keys (ERR-5xxx). */
export const apiKeyErrors = {
  api_key_invalid: {
    code: 'ERR-5001',
    status: 401,
    title: 'Invalid API key',
    description: 'The key is malformed, fails its checksum, or is unknown.',
    oauth: 'invalid_token',
  },
  api_key_expired: {
    code: 'ERR-5002',
    status: 401,
    title: 'API key has expired',
    description: 'The key is past its `expires_at`. Create or rotate a key.',
    oauth: 'invalid_token',
  },
  api_key_revoked: {
    code: 'ERR-5003',
    status: 401,
    title: 'API key has been revoked',
    description: 'The key was revoked, or rotated and its grace period is over.',
    oauth: 'invalid_token',
  },
  api_key_wrong_environment: {
    code: 'ERR-5004',
    status: 401,
    title: 'API key is for another environment',
    description: 'A `test` key was presented to a `live` deployment or the reverse.',
    oauth: 'invalid_token',
  },
  api_key_ip_not_allowed: {
    code: 'ERR-5005',
    status: 401,
    title: 'Client IP not allowed for this API key',
    description: "The request's client IP is outside the key's CIDR allowlist.",
    oauth: 'invalid_token',
  },
  api_key_already_rotated: {
    code: 'ERR-5006',
    status: 409,
    title: 'API key cannot be rotated',
    description: 'The key was already rotated, is revoked, or has expired: rotate its successor, or create a new key.',
  },
  scope_escalation: {
    code: 'ERR-5007',
    status: 403,
    title: 'Cannot grant more than you hold',
    description: 'A credential can only create or narrow to scopes and memory spaces it holds itself.',
    oauth: 'insufficient_scope',
  },
  api_key_lifetime_exceeded: {
    code: 'ERR-5050',
    status: 400,
    title: 'API key lifetime too long',
    description:
      "The requested expiry is past the longest lifetime allowed: the server's `apiKeyMaxLifetimeDays`, the organization's key-lifetime policy, or (for a key minted by a key) the parent key's own expiry.",
  },
  api_key_creator_inactive: {
    code: 'ERR-5051',
    status: 401,
    title: 'The user behind this API key has no access',
    description:
      'A key made by a user acts as that user. The user was removed from the organization, disabled or deleted, so the key does nothing. It works again if the user is re-added or enabled.',
    oauth: 'invalid_token',
  },
} as const satisfies Record<string, ErrorSpec>;
