import type { FastifyRequest } from 'fastify';
import { principalOf } from '../../auth.ts';
import { tokenSchema } from '../identity/schemas.ts';

/** A response field an alias adds or reshapes, with its OpenAPI schema. */
export interface AliasResponse {
  readonly status: number;
  readonly properties: Readonly<Record<string, unknown>>;
  /** Reshapes the native answer (only for that status). */
  transform(payload: Record<string, unknown>): Record<string, unknown>;
}

/** One path other systems document, served by a native route. */
export interface Alias {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly native: string;
  /** The native route's path parameters, when the alias has none (e.g. the caller's organization). */
  readonly params?: (request: FastifyRequest) => Record<string, string>;
  readonly response?: AliasResponse;
}

/** A path documented elsewhere that Gatehouse does not serve yet, and the issue that brings it. */
export interface PlannedAlias {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly arrivesWith: string;
}

const callersOrganization = (request: FastifyRequest) => ({ org: principalOf(request).organizationId });

/**
 * Organization registration elsewhere answers the admin key as a string (`Bearer ${api_key}`
 * must work); the native object moves to `api_key_details`, without the secret twice.
 */
const keyAsString: AliasResponse = {
  status: 201,
  properties: {
    api_key: { type: 'string', description: 'The initial admin API key. Shown once; store it now.' },
    api_key_details: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        scopes: { type: 'array', items: { type: 'string' } },
        prefix: { type: 'string' },
      },
    },
  },
  transform(payload) {
    const native = payload.api_key as { key: string; id: string; name: string; scopes: string[]; prefix: string };
    const { key, ...details } = native;
    return { ...payload, api_key: key, api_key_details: details };
  },
};

/** Clients that read `token` next to `expires_at` get the access token under that name too. */
const tokenField: AliasResponse = {
  status: 200,
  properties: { ...tokenSchema.properties, token: { type: 'string', description: 'Same as `access_token`.' } },
  transform: (payload) => ({ ...payload, token: payload.access_token }),
};

/**
 * Every auth path the pages Gatehouse grew from document, and the native route that serves it.
 * docs/compatibility.md holds the same table for people.
 */
export const ALIASES: readonly Alias[] = [
  { method: 'GET', path: '/api/v1/health', native: '/health' },
  { method: 'POST', path: '/api/v1/auth/register/organization', native: '/v1/organizations/register', response: keyAsString },
  { method: 'POST', path: '/api/v1/auth/register', native: '/v1/auth/register' },
  { method: 'POST', path: '/api/v1/auth/login', native: '/v1/auth/login', response: tokenField },
  { method: 'POST', path: '/api/v1/auth/refresh', native: '/v1/auth/refresh' },
  { method: 'POST', path: '/api/v1/auth/validate', native: '/v1/auth/validate' },
  { method: 'POST', path: '/api/v1/auth/users/invite', native: '/v1/organizations/:org/invitations', params: callersOrganization },
  { method: 'POST', path: '/api/v1/auth/keys', native: '/v1/api-keys' },
  { method: 'GET', path: '/api/v1/auth/keys/:id', native: '/v1/api-keys/:id' },
  { method: 'POST', path: '/api/v1/auth/keys/:id/rotate', native: '/v1/api-keys/:id/rotate' },
  { method: 'POST', path: '/api/v1/api-keys', native: '/v1/api-keys' },
  { method: 'GET', path: '/api/v1/organizations', native: '/v1/organizations' },
  { method: 'GET', path: '/api/v1/auth/google', native: '/v1/auth/google' },
  { method: 'GET', path: '/api/v1/auth/github', native: '/v1/auth/github' },
];

/** Documented paths not served yet (none today). */
export const PLANNED: readonly PlannedAlias[] = [];
