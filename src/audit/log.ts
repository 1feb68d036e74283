import type { CoreDeps } from '../deps.ts';
import { type AuditLog, noopAuditLog } from './audit.ts';

/** Placeholder until the audit module lands. */
export function createAuditLog(_deps: Omit<CoreDeps, 'audit'>): AuditLog {
  return noopAuditLog;
}
