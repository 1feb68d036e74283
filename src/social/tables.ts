/** A started provider sign-in: consumed exactly once by its callback. Times are epoch milliseconds. */
export interface SocialFlowRow {
  /** Keyed hash of the `state` sent to the provider (the state itself is never stored). */
  state_hash: string;
  provider: string;
  /** `api` (answers tokens), `browser` (resumes an OAuth authorization), `link` (adds the provider to a user). */
  purpose: 'api' | 'browser' | 'link';
  /** browser: the OAuth interaction to resume (its id hash). */
  interaction_hash: string | null;
  /** link: the signed-in user the provider is linked to. */
  user_id: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** A provider account linked to a user. Unique per (provider, subject) and per (user, provider). */
export interface UserIdentityRow {
  id: string;
  user_id: string;
  provider: string;
  /** The provider's stable id of the account (`sub`, GitHub's numeric id). */
  subject: string;
  /** The verified email the provider vouched for when linked, if any. */
  email: string | null;
  created_at: number;
  last_used_at: number;
}

export interface SocialTables {
  social_flows: SocialFlowRow;
  user_identities: UserIdentityRow;
}
