/** Row shapes of the identity tables. Times are epoch milliseconds. */
export interface OrganizationRow {
  id: string;
  name: string;
  slug: string;
  /** Rate-limit tier name, or null for the default. */
  rate_limit_tier: string | null;
  /** Marks the built-in development organization of `authMode=disabled`. */
  personal_of: string | null;
  /** Longest API-key lifetime in days this organization allows (null: the server's setting alone). */
  api_key_max_lifetime_days: number | null;
  created_at: number;
  updated_at: number;
}

export interface UserRow {
  id: string;
  /** As the user typed it (trimmed). */
  email: string;
  /** Lower-cased, NFKC: the unique key. */
  email_normalized: string;
  username: string | null;
  username_normalized: string | null;
  display_name: string;
  password_hash: string;
  disabled_at: number | null;
  password_changed_at: number;
  created_at: number;
  updated_at: number;
}

export type Role = 'owner' | 'admin' | 'member' | 'readonly';

export interface MembershipRow {
  organization_id: string;
  user_id: string;
  role: Role;
  created_at: number;
  updated_at: number;
}

export interface MemorySpaceRow {
  id: string;
  organization_id: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
}

export interface IdentityTables {
  organizations: OrganizationRow;
  users: UserRow;
  memberships: MembershipRow;
  memory_spaces: MemorySpaceRow;
}

/** An invitation to join an organization; the token is stored only as its keyed hash. */
export interface InvitationRow {
  id: string;
  organization_id: string;
  /** Normalised email of the invitee. */
  email: string;
  role: Role;
  token_hash: string;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
  /** Set exactly once (consume-once). */
  accepted_at: number | null;
  accepted_by: string | null;
  revoked_at: number | null;
}

export interface InvitationTables {
  invitations: InvitationRow;
}
