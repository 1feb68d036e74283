import type { AuditEventRow } from './tables.ts';

/** An audit event as the API and `audit list --json` show it. */
export interface AuditEventView {
  id: string;
  occurred_at: string;
  organization_id: string | null;
  actor: { type: string; id: string | null };
  action: string;
  outcome: AuditEventRow['outcome'];
  target: { type: string; id: string | null } | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

function parseDetails(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The public view of a stored event.
 *
 * @example
 * renderEvent(row).occurred_at; // '2026-06-01T12:00:00.000Z'
 */
export function renderEvent(row: AuditEventRow): AuditEventView {
  return {
    id: row.id,
    occurred_at: new Date(row.occurred_at).toISOString(),
    organization_id: row.organization_id,
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    outcome: row.outcome,
    target: row.target_type === null && row.target_id === null ? null : { type: row.target_type ?? 'unknown', id: row.target_id },
    ip: row.ip,
    user_agent: row.user_agent,
    request_id: row.request_id,
    details: parseDetails(row.details),
  };
}

/** JSON schema of `AuditEventView` (OpenAPI and response serialisation). */
export const auditEventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', example: 'evt_01jd8x3m5q2w7e9r4t6y8u0i2o' },
    occurred_at: { type: 'string', format: 'date-time' },
    organization_id: { type: ['string', 'null'] },
    actor: {
      type: 'object',
      properties: {
        type: { type: 'string', description: 'user, api_key, oauth_client, external, anonymous, system or development' },
        id: { type: ['string', 'null'] },
      },
    },
    action: { type: 'string', example: 'auth.login.failed' },
    outcome: { type: 'string', enum: ['success', 'failure', 'denied'] },
    target: {
      type: ['object', 'null'],
      properties: { type: { type: 'string' }, id: { type: ['string', 'null'] } },
    },
    ip: { type: ['string', 'null'] },
    user_agent: { type: ['string', 'null'] },
    request_id: { type: ['string', 'null'] },
    details: { type: 'object', additionalProperties: true, description: 'Non-secret details: reason codes, role names, counts' },
  },
} as const;
