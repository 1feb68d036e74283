/** Rows of migration 0013. Times are epoch milliseconds. */

/** A browser signed in at the authorization server: its cookie handle (kept as a keyed hash) and the Gatehouse session behind it. */
export interface OAuthBrowserSessionRow {
  id_hash: string;
  /** The `sessions` row: revoking it (logout, password change, user disabled, admin) ends this too. */
  session_id: string;
  user_id: string;
  /** When the user entered the password (OpenID Connect `auth_time`, `max_age`). */
  auth_time: number;
  created_at: number;
  expires_at: number;
}

/** A client-credentials access token revoked before it expires (RFC 7009), by its `jti`. */
export interface OAuthRevokedTokenRow {
  jti: string;
  client_id: string;
  revoked_at: number;
  /** The token's own `exp`: after it (and the clock skew) the row is swept. */
  expires_at: number;
}

export interface OAuthSessionTables {
  oauth_browser_sessions: OAuthBrowserSessionRow;
  oauth_revoked_tokens: OAuthRevokedTokenRow;
}
