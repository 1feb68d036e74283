/** Response and request shapes of the Gatehouse HTTP API (snake_case, as on the wire). */

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly expires_at: string;
  readonly refresh_token: string;
  readonly scope: string;
}

export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly created_at: string;
}

export interface User {
  readonly id: string;
  readonly email: string;
  readonly username?: string | null;
  readonly name?: string | null;
  readonly [field: string]: unknown;
}

export interface Registered {
  readonly organization: Organization;
  readonly user: User;
  readonly tokens: TokenResponse;
  readonly api_key?: Readonly<Record<string, unknown>>;
}

export interface Me {
  readonly user: User | null;
  readonly organization: Organization;
  readonly role: string | null;
  readonly scopes: readonly string[];
  readonly [field: string]: unknown;
}

export interface Member {
  /** The user's id (`usr_…`). */
  readonly id: string;
  readonly email: string;
  readonly username: string | null;
  readonly name: string | null;
  readonly role: string;
  readonly joined_at: string;
}

export interface Accepted {
  readonly organization_id: string;
  readonly user_id: string;
  readonly role: string;
  readonly tokens?: TokenResponse;
}

export interface MemorySpace {
  readonly id: string;
  readonly organization_id: string;
  readonly name: string;
  readonly description?: string;
  readonly created_at: string;
}

export interface Invitation {
  readonly id: string;
  readonly email: string;
  readonly role: string;
  readonly expires_at: string;
  /** Only in the answer that creates it. */
  readonly token?: string;
  readonly [field: string]: unknown;
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly organization_id: string;
  readonly masked_key: string;
  readonly scopes: readonly string[];
  readonly memory_spaces: readonly string[] | '*';
  readonly rate_limit: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly state: 'active' | 'rotating' | 'revoked' | 'expired';
  readonly expires_at: string | null;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly [field: string]: unknown;
}

/** A key as created or rotated: the secret is in this answer only. */
export interface CreatedApiKey extends ApiKey {
  readonly key: string;
}

export interface CreateApiKey {
  readonly name: string;
  readonly description?: string;
  readonly scopes?: readonly string[];
  readonly memory_spaces?: readonly string[] | '*';
  readonly expires_in_days?: number;
  readonly rate_limit?: string;
  readonly allowed_cidrs?: readonly string[];
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface Principal {
  readonly kind: 'user' | 'api_key' | 'oauth_client' | 'external' | 'development';
  readonly subject: string;
  readonly organization_id: string;
  readonly role: string | null;
  readonly scopes: readonly string[];
  readonly memory_spaces: readonly string[] | '*';
  readonly credential_id: string;
  readonly session_id?: string;
  readonly user_id?: string;
  readonly issuer?: string;
  readonly rate_limit_policy?: string;
  readonly expires_at: string | null;
}

export interface CheckResult {
  readonly allowed: true;
  readonly memory_space: string | null;
  readonly principal: Principal;
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly status: 'active' | 'retired';
  readonly [field: string]: unknown;
}

export interface AuditEvent {
  readonly id: string;
  readonly action: string;
  readonly outcome: string;
  readonly [field: string]: unknown;
}

/** A page of a list and the cursor of the next one. */
export interface Page<T> {
  readonly data: readonly T[];
  readonly next_cursor?: string | null;
}

/** `limit` and `cursor` of a list call. */
export interface PageQuery {
  readonly limit?: number;
  readonly cursor?: string;
}

/** A sign-in provider account linked to the user (`GET /v1/users/me/identities`). */
export interface LinkedIdentity {
  readonly id: string;
  readonly provider: string;
  readonly subject: string;
  readonly email: string | null;
  readonly created_at: string;
  readonly last_used_at: string;
}
