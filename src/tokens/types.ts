import type { JSONWebKeySet } from 'jose';
import type { Role } from '../identity/tables.ts';
import type { CacheStats } from '../lib/expiring-cache.ts';
import type { AccessTokenVerifier } from '../pipeline/authenticate.ts';
import type { Actor, Confirmation } from '../pipeline/principal.ts';

export interface IssueAccessTokenInput {
  /** `usr_…` for users, `cli_…` for OAuth clients. */
  readonly subject: string;
  readonly organizationId: string;
  readonly role: Role | null;
  readonly scopes: readonly string[];
  /** Login session the token belongs to; revoking the session stops the token. */
  readonly sessionId?: string;
  /** RFC 9068 `client_id`; `gatehouse` for first-party logins. */
  readonly clientId?: string;
  readonly memorySpaces?: readonly string[] | '*';
  /** Overrides `accessTokenTtl` (seconds), never beyond it. */
  readonly ttlSeconds?: number;
  /** `aud`: registered resource identifiers (RFC 8707); default the configured `audience`. */
  readonly audience?: readonly string[];
  /** RFC 9068 `auth_time` (epoch seconds) for user-delegated OAuth tokens. */
  readonly authTime?: number;
  /** RFC 8693 `act`: the agent acting for the subject (token exchange). */
  readonly act?: Actor;
  /** RFC 7800 `cnf`: the DPoP key (`jkt`) or client certificate (`x5t#S256`) the token is bound to. */
  readonly confirmation?: Confirmation;
}

/** A JWT other than an access token (an OpenID Connect ID token), signed with the active key. */
export interface SignJwtInput {
  readonly typ: string;
  readonly subject: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly jti: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/** Public view of a signing key (no private material). */
export interface SigningKeyInfo {
  readonly kid: string;
  readonly alg: string;
  readonly status: 'active' | 'retired';
  readonly createdAt: number;
  readonly retiredAt: number | null;
  /** When a retired key stops being published and accepted. */
  readonly expiresAt: number | null;
}

/** Gatehouse's own JWTs: signing keys, issuing, verifying (with a verified-token cache), JWKS. */
export interface TokenService extends AccessTokenVerifier {
  /** Creates the first signing key when there is none. Idempotent; safe on many nodes. */
  ensureSigningKey(): Promise<void>;
  issueAccessToken(input: IssueAccessTokenInput): Promise<IssuedAccessToken>;
  /** Signs another kind of JWT (ID tokens); answers the token and the `alg` used (for `at_hash`). */
  signJwt(input: SignJwtInput): Promise<{ token: string; alg: string }>;
  /** Public members only, active and not-yet-expired retired keys. */
  jwks(): Promise<JSONWebKeySet>;
  /** New active key; the previous one is retired but published until its tokens expire. */
  rotateSigningKey(): Promise<SigningKeyInfo>;
  listSigningKeys(): Promise<SigningKeyInfo[]>;
  /** Verified-token cache lookups: answered from memory, or verified again. */
  cacheStats(): CacheStats;
}
