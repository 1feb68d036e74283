import { duration, integer } from '../option.ts';

/** Options of the audit module (owned by it). */
export const auditOptions = {
  auditRetentionDays: integer({
    doc: 'Audit events older than this many days are deleted: at start, then every hour, on every node.',
    default: 90,
    min: 1,
    max: 36_500,
  }),
  auditFlushInterval: duration({
    doc: 'Audit events are buffered in memory and written in batches: this often, when 100 are waiting, and on shutdown. Reads through `GET /v1/audit-events` first write what this node holds.',
    default: 1,
    min: 0.01,
    max: 60,
  }),
} as const;
