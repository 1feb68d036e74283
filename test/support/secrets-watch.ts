import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../src/storage/index.ts';

/**
 * Every log line a test app writes is appended to `.tmp/test-logs/<pid>.log`, every audit event
 * a test app stored to `.tmp/test-logs/<pid>.events` (one JSON row a line, written when the app
 * closes), and every secret a test creates (passwords, tokens, keys) is registered here too.
 * `test/scan/secrets.scan.ts` runs after the suite and fails if any registered secret appears in
 * any log line or stored audit event.
 */
const DIR = join(process.cwd(), '.tmp', 'test-logs');
let ready = false;

function ensure(): void {
  if (!ready) {
    mkdirSync(DIR, { recursive: true });
    ready = true;
  }
}

export function recordLogLine(line: string): void {
  ensure();
  appendFileSync(join(DIR, `${process.pid}.log`), `${line}\n`);
}

/** Appends stored audit rows (every column, as stored) for the final scan. */
export function recordAuditEvents(rows: readonly unknown[]): void {
  if (rows.length === 0) return;
  ensure();
  appendFileSync(join(DIR, `${process.pid}.events`), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** Reads every audit event stored in `db` and records it for the final scan (call before closing storage). */
export async function recordStoredAuditEvents(db: Db): Promise<number> {
  const rows = await db.selectFrom('audit_events').selectAll().orderBy('id').execute();
  recordAuditEvents(rows);
  return rows.length;
}

/** Registers a secret the suite used, so the final scan can look for it. */
export function registerSecret(secret: string): void {
  if (secret.length < 8) return;
  ensure();
  appendFileSync(join(DIR, `${process.pid}.secrets`), `${Buffer.from(secret).toString('base64')}\n`);
}
