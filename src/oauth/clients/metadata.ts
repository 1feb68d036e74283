import { isRegistrableRedirectUri } from '../checks/redirect-uri.ts';
import { parseScope } from '../checks/scope.ts';
import { OAuthError } from '../errors.ts';

export type AuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'none';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | typeof DEVICE_CODE | typeof TOKEN_EXCHANGE;

/** RFC 8628 §3.4 grant type. */
export const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8693 §2.1 grant type. */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

export const AUTH_METHODS: readonly AuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
];

/** RFC 8705 §2.1.2: the one certificate field a `tls_client_auth` client registers. */
export const TLS_CLIENT_AUTH_FIELDS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const;
export type TlsClientAuthField = (typeof TLS_CLIENT_AUTH_FIELDS)[number];
export const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_CODE, TOKEN_EXCHANGE];

/** Client metadata after validation (RFC 7591 §2 names, the subset Gatehouse supports). */
export interface ClientMetadata {
  readonly client_name: string;
  readonly redirect_uris: readonly string[];
  readonly grant_types: readonly GrantType[];
  readonly token_endpoint_auth_method: AuthMethod;
  readonly scope: string | null;
  readonly jwks: { keys: readonly Record<string, unknown>[] } | null;
  readonly client_uri: string | null;
  readonly logo_uri: string | null;
  /** Resources (RFC 8707 identifiers) the client may exchange user tokens for (RFC 8693); empty: none. */
  readonly token_exchange_resources: readonly string[];
  /** The certificate field and value a `tls_client_auth` client is recognised by (RFC 8705 §2.1.2). */
  readonly tls_client_auth: { readonly field: TlsClientAuthField; readonly value: string } | null;
}

const bad = (description: string) => new OAuthError('invalid_client_metadata', description);

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw bad(`${field} must be an array of strings`);
  if (value.length > 20) throw bad(`${field} has too many entries`);
  return [...new Set(value as string[])];
}

function httpsUrl(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > 2000) throw bad(`${field} must be a URL`);
  try {
    if (new URL(value).protocol !== 'https:') throw new Error('not https');
  } catch {
    throw bad(`${field} must be an https URL`);
  }
  return value;
}

/**
 * Validates client metadata (registration, update, or a Client ID Metadata Document). Unknown
 * members are ignored (RFC 7591 §2); known ones must be well-formed and consistent.
 */
export function validateClientMetadata(
  raw: unknown,
  defaults: { authMethod: AuthMethod } = { authMethod: 'client_secret_basic' },
): ClientMetadata {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('Client metadata must be a JSON object');
  const m = raw as Record<string, unknown>;
  const redirectUris = m.redirect_uris === undefined ? [] : stringList(m.redirect_uris, 'redirect_uris');
  const badUri = redirectUris.find((u) => !isRegistrableRedirectUri(u));
  if (badUri !== undefined) {
    throw new OAuthError(
      'invalid_redirect_uri',
      'Redirect URIs must be https, http on a loopback address, or a private-use scheme, without a fragment',
    );
  }
  const method = m.token_endpoint_auth_method ?? defaults.authMethod;
  if (typeof method !== 'string' || !(AUTH_METHODS as readonly string[]).includes(method)) {
    throw bad(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }
  const grants = m.grant_types === undefined ? ['authorization_code'] : stringList(m.grant_types, 'grant_types');
  const unknownGrant = grants.find((g) => !(GRANT_TYPES as readonly string[]).includes(g));
  if (unknownGrant !== undefined) throw bad(`Unsupported grant type: ${unknownGrant.slice(0, 60)}`);
  if (m.response_types !== undefined) {
    const types = stringList(m.response_types, 'response_types');
    if (types.some((t) => t !== 'code')) throw bad('Only the "code" response type is supported');
  }
  if (grants.includes('client_credentials') && method === 'none') throw bad('Public clients cannot use client_credentials');
  if (grants.includes('refresh_token') && !grants.includes('authorization_code') && !grants.includes(DEVICE_CODE))
    throw bad('refresh_token needs authorization_code or the device_code grant');
  const exchange = m.token_exchange_resources === undefined ? [] : stringList(m.token_exchange_resources, 'token_exchange_resources');
  if (exchange.some((r) => r.length > 500 || !URL.canParse(r))) throw bad('token_exchange_resources must be resource identifier URLs');
  if (grants.includes(TOKEN_EXCHANGE)) {
    if (method === 'none') throw bad('Public clients cannot use token exchange');
    if (exchange.length === 0) throw bad('token exchange needs token_exchange_resources: the resources the client may exchange for');
  } else if (exchange.length > 0) throw bad('token_exchange_resources needs the token-exchange grant type');
  if (grants.includes('authorization_code') && redirectUris.length === 0)
    throw new OAuthError('invalid_redirect_uri', 'redirect_uris is required for authorization_code');
  let jwks: ClientMetadata['jwks'] = null;
  if (m.jwks_uri !== undefined) throw bad('jwks_uri is not supported; send jwks');
  if (m.jwks !== undefined) {
    const keys = (m.jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > 10 || keys.some((k) => k === null || typeof k !== 'object')) {
      throw bad('jwks must be a JWK Set with 1 to 10 keys');
    }
    if (keys.some((k) => 'd' in (k as object) || 'k' in (k as object))) throw bad('jwks must hold public keys only');
    jwks = { keys: keys as Record<string, unknown>[] };
  }
  if (method === 'private_key_jwt' && jwks === null) throw bad('private_key_jwt needs jwks');
  if (method === 'self_signed_tls_client_auth' && !jwks?.keys.some((k) => Array.isArray(k.x5c) && typeof k.x5c[0] === 'string'))
    throw bad('self_signed_tls_client_auth needs jwks with the certificate in x5c');
  const tlsFields = TLS_CLIENT_AUTH_FIELDS.filter((f) => m[f] !== undefined);
  let tlsClientAuth: ClientMetadata['tls_client_auth'] = null;
  if (method === 'tls_client_auth') {
    const field = tlsFields[0];
    if (tlsFields.length !== 1 || field === undefined)
      throw bad(`tls_client_auth needs exactly one of ${TLS_CLIENT_AUTH_FIELDS.join(', ')}`);
    const value = m[field];
    if (typeof value !== 'string' || value.trim() === '' || value.length > 500) throw bad(`${field} must be 1 to 500 characters`);
    tlsClientAuth = { field, value };
  } else if (tlsFields.length > 0) throw bad(`${tlsFields[0] ?? ''} is only for tls_client_auth`);
  const name = m.client_name ?? 'Unnamed client';
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) throw bad('client_name must be 1 to 200 characters');
  if (m.scope !== undefined && typeof m.scope !== 'string') throw bad('scope must be a string');
  let scope: string | null = null;
  if (typeof m.scope === 'string' && m.scope.trim() !== '') {
    try {
      scope = parseScope(m.scope).join(' ');
    } catch {
      throw bad('scope holds an invalid scope');
    }
  }
  return {
    client_name: name.trim(),
    redirect_uris: redirectUris,
    grant_types: grants as GrantType[],
    token_endpoint_auth_method: method as AuthMethod,
    scope,
    jwks,
    client_uri: httpsUrl(m.client_uri, 'client_uri'),
    logo_uri: httpsUrl(m.logo_uri, 'logo_uri'),
    token_exchange_resources: exchange,
    tls_client_auth: tlsClientAuth,
  };
}
