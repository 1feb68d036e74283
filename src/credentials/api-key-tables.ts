/** An API key. Only the keyed hash of the key is stored. Times are epoch milliseconds. */
export interface ApiKeyRow {
  /** HMAC-SHA-256 of the key under the server pepper (base64url): the primary key. */
  key_hash: string;
  id: string;
  organization_id: string;
  /** `usr_…`, or null when made by the CLI (system). */
  created_by: string | null;
  name: string;
  description: string;
  environment: 'live' | 'test';
  /** e.g. `sk_live_AbCd` — enough to recognise a key, never enough to use it. */
  display_prefix: string;
  last_four: string;
  /** JSON array of scopes. */
  scopes: string;
  /** JSON array of memory-space names, or `"*"`. */
  memory_spaces: string;
  /** JSON array of CIDRs, or null for any address. */
  allowed_cidrs: string | null;
  /** Rate-limit tier name or JSON override, or null for the organization's. */
  rate_limit: string | null;
  /** JSON object. */
  metadata: string;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
  usage_count: number;
  /** When the key stops working: revocation, or the end of a rotation's grace period (may be in the future). */
  revoked_at: number | null;
  rotated_from: string | null;
  rotated_to: string | null;
  /** base64url SHA-256 of the DER client certificate the key is bound to (`x5t#S256`), or null (migration 0017). */
  cert_thumbprint?: string | null;
}

export interface ApiKeyTables {
  api_keys: ApiKeyRow;
}
