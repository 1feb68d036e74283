import type { ErrorSpec } from '../spec.ts';

/**
 * OAuth management API errors (ERR-80xx). The OAuth endpoints themselves (`/oauth/*`) answer
 * RFC 6749 error bodies, not these problems.
 */
export const oauthErrors = {
  oauth_invalid_client_metadata: {
    code: 'ERR-8001',
    status: 400,
    title: 'Invalid client metadata',
    description:
      'A client field is not acceptable: redirect URIs must be absolute https URLs (or http on a loopback address, or a private-use scheme) without a fragment; the auth method and grant types must be supported and consistent.',
    oauth: 'invalid_request',
  },
  oauth_resource_conflict: {
    code: 'ERR-8002',
    status: 409,
    title: 'Resource already registered',
    description: 'Another resource (possibly of another organization) already uses this identifier URL.',
  },
  oauth_invalid_resource: {
    code: 'ERR-8003',
    status: 400,
    title: 'Invalid resource',
    description:
      'A resource identifier must be an absolute https URL (http only for loopback) without a fragment or query, with valid scopes.',
    oauth: 'invalid_request',
  },
  oauth_client_secretless: {
    code: 'ERR-8004',
    status: 409,
    title: 'Client has no secret',
    description: 'Only clients that authenticate with a client secret have one to rotate.',
  },
} as const satisfies Record<string, ErrorSpec>;
