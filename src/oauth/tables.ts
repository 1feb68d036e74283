/** Rows of the OAuth tables (migration 0011). Times are epoch milliseconds; lists are JSON text. */

/** A registered client. `id` is `cli_…`; only the keyed hash of a confidential client's secret is kept. */
export interface OAuthClientRow {
  id: string;
  organization_id: string;
  name: string;
  secret_hash: string | null;
  /** client_secret_basic | client_secret_post | private_key_jwt | none */
  auth_method: string;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  /** JSON array of grant types. */
  grant_types: string;
  /** Space-separated scopes the client may ask for, or null for any the user holds. */
  scope: string | null;
  /** JSON Web Key Set (public keys) for private_key_jwt. */
  jwks: string | null;
  client_uri: string | null;
  logo_uri: string | null;
  /** JSON array of resource identifiers the client may exchange user tokens for (RFC 8693); null: none (migration 0016). */
  token_exchange_resources: string | null;
  /** JSON `{field, value}`: the RFC 8705 certificate field of a tls_client_auth client (migration 0017). */
  tls_client_auth?: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** An API or MCP server of an organization: tokens name it in `aud`. */
export interface OAuthResourceRow {
  id: string;
  organization_id: string;
  /** The resource identifier URL (RFC 8707), unique across the server. */
  identifier: string;
  name: string;
  /** JSON array of scopes the resource accepts. */
  scopes: string;
  created_at: number;
  updated_at: number;
}

/** A pending authorization request while the browser signs in and consents. */
export interface OAuthInteractionRow {
  /** Keyed hash of the interaction handle (the browser holds the handle in a cookie). */
  id_hash: string;
  client_id: string;
  /** JSON of the validated authorization request. */
  params: string;
  user_id: string | null;
  auth_time: number | null;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
}

/** An authorization code, stored as its keyed hash; consumed once. */
export interface OAuthCodeRow {
  code_hash: string;
  client_id: string;
  user_id: string;
  organization_id: string;
  redirect_uri: string;
  scope: string;
  /** JSON array of resource identifiers (empty: Gatehouse itself). */
  resource: string;
  code_challenge: string;
  nonce: string | null;
  auth_time: number;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  /** The remembered consent the code was issued under (revoking it ends the grant). */
  consent_id: string | null;
  /** The grant (session) the first redemption made: a replay revokes it. */
  session_id: string | null;
}

/** A user's remembered consent for one client, organization and scope set. */
export interface OAuthConsentRow {
  id: string;
  user_id: string;
  client_id: string;
  organization_id: string;
  /** Sorted, space-separated. */
  scope: string;
  created_at: number;
}

/** What an OAuth session (a `sessions` row and its refresh-token family) was granted. */
export interface OAuthGrantRow {
  session_id: string;
  client_id: string;
  consent_id: string | null;
  scope: string;
  /** JSON array of resource identifiers. */
  resource: string;
  auth_time: number;
  /** RFC 7638 thumbprint of the DPoP key a public client's refresh tokens are bound to (migration 0017). */
  dpop_jkt?: string | null;
}

/** An RFC 8628 device authorization: the device code and user code are stored as keyed hashes (migration 0016). */
export interface OAuthDeviceCodeRow {
  device_code_hash: string;
  user_code_hash: string;
  client_id: string;
  scope: string;
  /** JSON array of resource identifiers. */
  resource: string;
  /** pending | approved | denied */
  status: string;
  /** Seconds the device must wait between polls; grows by 5 on every slow_down. */
  poll_interval: number;
  last_polled_at: number | null;
  /** Set on approval. */
  user_id: string | null;
  organization_id: string | null;
  auth_time: number | null;
  created_at: number;
  expires_at: number;
  /** Set when the token endpoint redeems an approved code (consumed once). */
  consumed_at: number | null;
  /** The grant (session) the redemption made: a replay revokes it. */
  session_id: string | null;
}

export interface OAuthTables {
  oauth_device_codes: OAuthDeviceCodeRow;
  oauth_clients: OAuthClientRow;
  oauth_resources: OAuthResourceRow;
  oauth_interactions: OAuthInteractionRow;
  oauth_codes: OAuthCodeRow;
  oauth_consents: OAuthConsentRow;
  oauth_grants: OAuthGrantRow;
}
