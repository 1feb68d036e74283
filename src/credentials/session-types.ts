import type { AuditActor } from '../audit/audit.ts';
import type { Role } from '../identity/tables.ts';

/** What login, registration and refresh answer (RFC 6749 §5.1 shape plus `expires_at`). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  /** Seconds. */
  readonly expires_in: number;
  /** ISO 8601. */
  readonly expires_at: string;
  readonly refresh_token: string;
  readonly scope: string;
}

export interface StartSessionInput {
  readonly userId: string;
  readonly organizationId: string;
  readonly role: Role;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
}

export type RevokeReason =
  | 'logout'
  | 'password_changed'
  | 'reuse_detected'
  | 'admin'
  | 'user_disabled'
  | 'membership_removed'
  | 'organization_deleted';

/** Who ended a session, for the `token.revoked` audit event (ids only). Default: the system. */
export interface RevokedBy {
  readonly actor: AuditActor;
  readonly ip?: string | null;
  readonly requestId?: string | null;
}

export interface RevokeAllOptions {
  /** Keep this session (the caller's own, on a password change). */
  readonly except?: string;
  /** Only the sessions in this organization (a membership changed). */
  readonly organizationId?: string;
  readonly by?: RevokedBy;
}

/** Login sessions: families of rotating refresh tokens with reuse detection. */
export interface SessionService {
  start(input: StartSessionInput): Promise<TokenResponse & { readonly session_id: string }>;
  /** Rotates the refresh token; a reused one revokes its whole family and throws. */
  refresh(refreshToken: string, ctx: { ip?: string | null; userAgent?: string | null }): Promise<TokenResponse>;
  /** Revokes one session (its whole refresh-token family and the access tokens issued from it). */
  revoke(sessionId: string, reason: RevokeReason, by?: RevokedBy): Promise<void>;
  /** Revokes every session of a user (optionally but one, or in one organization only); returns how many. */
  revokeAllForUser(userId: string, reason: RevokeReason, opts?: RevokeAllOptions): Promise<number>;
  /** Revokes every session in an organization (it is being deleted); returns how many. */
  revokeAllInOrganization(organizationId: string, reason: RevokeReason, by?: RevokedBy): Promise<number>;
  /** True when the session is revoked or past its lifetimes; fast (cached, invalidated on revoke). */
  isRevoked(sessionId: string): Promise<boolean>;
}
