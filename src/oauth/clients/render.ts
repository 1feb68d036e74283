import type { OAuthClientRow } from '../tables.ts';

/** `tls_client_auth_subject_dn` (or a SAN member) of a tls_client_auth client, as registered. */
function tlsClientAuthMember(stored: string | null | undefined): Record<string, string> {
  if (stored === null || stored === undefined) return {};
  const { field, value } = JSON.parse(stored) as { field: string; value: string };
  return { [field]: value };
}

/** A client as the management API and RFC 7591 answer it (never the secret or its hash). */
export function renderClient(row: OAuthClientRow): Record<string, unknown> {
  const grants = JSON.parse(row.grant_types) as string[];
  return {
    client_id: row.id,
    organization_id: row.organization_id,
    client_name: row.name,
    redirect_uris: JSON.parse(row.redirect_uris) as string[],
    grant_types: grants,
    response_types: grants.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: row.auth_method,
    ...(row.scope !== null ? { scope: row.scope } : {}),
    ...(row.jwks !== null ? { jwks: JSON.parse(row.jwks) as unknown } : {}),
    ...(row.client_uri !== null ? { client_uri: row.client_uri } : {}),
    ...(row.logo_uri !== null ? { logo_uri: row.logo_uri } : {}),
    ...(row.token_exchange_resources !== null ? { token_exchange_resources: JSON.parse(row.token_exchange_resources) as string[] } : {}),
    ...tlsClientAuthMember(row.tls_client_auth),
    client_id_issued_at: Math.floor(row.created_at / 1000),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
