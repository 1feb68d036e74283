/** A login session: one family of rotating refresh tokens. Times are epoch milliseconds. */
export interface SessionRow {
  id: string;
  user_id: string;
  organization_id: string;
  created_at: number;
  last_used_at: number;
  /** created_at + refreshAbsoluteTtl: the session never outlives this. */
  absolute_expires_at: number;
  revoked_at: number | null;
  /** logout | password_changed | reuse_detected | admin */
  revoked_reason: string | null;
  user_agent: string | null;
  ip: string | null;
}

/** One refresh token of a session, stored only as its keyed hash. */
export interface RefreshTokenRow {
  token_hash: string;
  session_id: string;
  created_at: number;
  /** Set exactly once, when the token is rotated (consume-once). */
  used_at: number | null;
  /** Keyed hash of the token that rotation issued; null until it is issued. */
  replaced_by: string | null;
}

export interface SessionTables {
  sessions: SessionRow;
  refresh_tokens: RefreshTokenRow;
}
