/**
 * One stored audit event. Append-only: rows are inserted in batches and only ever deleted by
 * retention. Times are epoch milliseconds. No column ever holds a secret.
 */
export interface AuditEventRow {
  /** `evt_…`, time-sortable: the pagination cursor. */
  id: string;
  occurred_at: number;
  /** Null for events outside any organization (server start, an unknown user's failed login). */
  organization_id: string | null;
  actor_type: string;
  actor_id: string | null;
  /** Dotted action name, e.g. `auth.login.failed`. */
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  /** JSON object of non-secret details (already sanitised). */
  details: string;
}

export interface AuditTables {
  audit_events: AuditEventRow;
}
