/** Who acted. Never a secret: ids only. */
export interface AuditActor {
  readonly type: 'user' | 'api_key' | 'oauth_client' | 'external' | 'anonymous' | 'system' | 'development';
  readonly id: string | null;
}

/** One security-relevant event, before storage assigns its id. */
export interface AuditEventInput {
  /** Dotted action name, e.g. `auth.login.succeeded`, `api_key.revoked`. */
  readonly action: string;
  readonly outcome: 'success' | 'failure' | 'denied';
  readonly organizationId: string | null;
  readonly actor: AuditActor;
  /** What it acted on, e.g. `{ type: 'api_key', id: 'key_…' }`. */
  readonly target?: { readonly type: string; readonly id: string } | null;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
  readonly requestId?: string | null;
  /** Non-secret details (reason codes, role names). */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

/**
 * The audit trail. `record` never throws into the caller's path and never blocks it on I/O
 * longer than a write; implementations live in this folder.
 */
export interface AuditLog {
  record(event: AuditEventInput): void;
  /** Resolves when every recorded event is durably written. */
  flush(): Promise<void>;
  /** Stops background work (batch timer, retention) and writes what is left; call before closing storage. */
  close?(): Promise<void>;
}

/** An audit log that keeps nothing (tools and tests that do not look at events). */
export const noopAuditLog: AuditLog = {
  record() {},
  async flush() {},
};
