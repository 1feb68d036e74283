import type { OAuthClientRow } from '../tables.ts';
import type { AuthMethod, ClientMetadata, GrantType, TlsClientAuthField } from './metadata.ts';

/** A client as the endpoints see it: registered (`cli_…`) or described by its metadata document (an https URL). */
export interface Client {
  readonly id: string;
  /** The organization a registered client belongs to; null for a metadata-document client. */
  readonly organizationId: string | null;
  readonly name: string;
  readonly authMethod: AuthMethod;
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  /** Permission scopes it may ask for; undefined: any the user holds. */
  readonly scope: readonly string[] | undefined;
  readonly jwks: { keys: readonly Record<string, unknown>[] } | null;
  readonly clientUri: string | null;
  /** Resources the client may exchange user tokens for (RFC 8693); empty: none. */
  readonly exchangeResources: readonly string[];
  /** RFC 8705 §2.1.2: the certificate field a tls_client_auth client is recognised by. */
  readonly tlsClientAuth: { readonly field: TlsClientAuthField; readonly value: string } | null;
  /** The stored row, for registered clients. */
  readonly row?: OAuthClientRow;
}

export function clientFromRow(row: OAuthClientRow): Client {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    authMethod: row.auth_method as AuthMethod,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    grantTypes: JSON.parse(row.grant_types) as GrantType[],
    scope: row.scope === null ? undefined : row.scope.split(' '),
    jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as Client['jwks']),
    clientUri: row.client_uri,
    exchangeResources: row.token_exchange_resources === null ? [] : (JSON.parse(row.token_exchange_resources) as string[]),
    tlsClientAuth: row.tls_client_auth ? (JSON.parse(row.tls_client_auth) as Client['tlsClientAuth']) : null,
    row,
  };
}

export function clientFromMetadata(id: string, m: ClientMetadata): Client {
  return {
    id,
    organizationId: null,
    name: m.client_name,
    authMethod: m.token_endpoint_auth_method,
    redirectUris: m.redirect_uris,
    grantTypes: m.grant_types,
    scope: m.scope === null ? undefined : m.scope.split(' '),
    jwks: m.jwks,
    clientUri: m.client_uri,
    // A client described by a metadata document belongs to no organization: it never exchanges tokens.
    exchangeResources: [],
    tlsClientAuth: null,
  };
}
