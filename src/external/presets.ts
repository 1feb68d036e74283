import type { Preset } from '../config/options/external.ts';

/** How a provider's tokens carry scopes, roles and the tenant. */
export interface ClaimPreset {
  /** Claims whose values are scopes (space-separated string or array). */
  readonly scopeClaims: readonly string[];
  /** Claims whose values are roles (mapped through `roleScopes`, else taken as scopes). */
  readonly roleClaims: readonly string[];
  /** Default `claim:NAME` for the organization, when the provider has a tenant claim. */
  readonly organization?: string;
  /** Claim compared with the configured audience (Cognito access tokens carry `client_id`, not `aud`). */
  readonly audienceClaim: 'aud' | 'client_id';
}

export const PRESET_CLAIMS: Readonly<Record<Preset, ClaimPreset>> = {
  generic: { scopeClaims: ['scope', 'scp', 'permissions'], roleClaims: ['roles'], audienceClaim: 'aud' },
  auth0: { scopeClaims: ['scope', 'permissions'], roleClaims: [], organization: 'claim:org_id', audienceClaim: 'aud' },
  okta: { scopeClaims: ['scp'], roleClaims: ['groups'], audienceClaim: 'aud' },
  cognito: { scopeClaims: ['scope'], roleClaims: ['cognito:groups'], audienceClaim: 'client_id' },
  azure: { scopeClaims: ['scp'], roleClaims: ['roles'], organization: 'claim:tid', audienceClaim: 'aud' },
  keycloak: { scopeClaims: ['scope'], roleClaims: ['realm_access.roles'], organization: 'claim:organization', audienceClaim: 'aud' },
  google: { scopeClaims: ['scope'], roleClaims: [], organization: 'claim:hd', audienceClaim: 'aud' },
};

/** A claim by name or dotted path (`realm_access.roles`); a name with a colon is taken whole. */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (path in payload) return payload[path];
  let v: unknown = payload;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A claim's values as strings: a space-separated string or an array of strings. */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
