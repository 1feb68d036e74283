import { Writable } from 'node:stream';
import type { AuditEventInput } from '../../src/audit/audit.ts';
import { type AuditLogOptions, createAuditLog, type StoredAuditLog } from '../../src/audit/log.ts';
import { type ConfigKey, loadConfig } from '../../src/config/index.ts';
import type { ManualClock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/logger.ts';
import type { Storage } from '../../src/storage/index.ts';
import { recordLogLine } from '../support/secrets-watch.ts';

/** An audit log over `storage` with captured log lines; no background timers unless asked for. */
export function auditLogFor(
  storage: Storage,
  clock: ManualClock,
  opts: AuditLogOptions = {},
  overrides: Partial<Record<ConfigKey, unknown>> = {},
): { audit: StoredAuditLog; logs: Record<string, unknown>[]; lines: string[] } {
  const logs: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        recordLogLine(line);
        lines.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const config = loadConfig({ env: {}, file: undefined, overrides: { dataDir: '/nonexistent', ...overrides } });
  const audit = createAuditLog(
    { config, storage, clock, log: createLogger('info', sink) },
    { flushIntervalMs: 60_000, pruneIntervalMs: false, ...opts },
  );
  return { audit, logs, lines };
}

/** A minimal event; override what the test cares about. */
export function event(over: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    action: 'test.happened',
    outcome: 'success',
    organizationId: 'org_01aaaaaaaaaaaaaaaaaaaaaaaa',
    actor: { type: 'user', id: 'usr_01aaaaaaaaaaaaaaaaaaaaaaaa' },
    ...over,
  };
}

/** Waits until `check` holds (polling), or fails after `ms`. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
