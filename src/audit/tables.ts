/** Audit tables; filled in by the audit module. */
// biome-ignore lint/suspicious/noEmptyInterface: extended by the audit module
export interface AuditTables {}
