import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every log line a test app writes is appended to `.tmp/test-logs/<pid>.log`; every secret a
 * test creates (passwords, tokens, keys) is registered here too. `test/zz-secrets-scan.test.ts`
 * runs last and fails if any registered secret appears in any log line or stored audit event.
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

/** Registers a secret the suite used, so the final scan can look for it. */
export function registerSecret(secret: string): void {
  if (secret.length < 8) return;
  ensure();
  appendFileSync(join(DIR, `${process.pid}.secrets`), `${Buffer.from(secret).toString('base64')}\n`);
}
