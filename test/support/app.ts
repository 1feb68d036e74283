import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type Config, type ConfigKey, loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/app.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createServices, type Services } from '../../src/services.ts';
import { type BackendName, openTestStorage } from './backends.ts';
import { recordLogLine, recordStoredAuditEvents } from './secrets-watch.ts';

/** Fixed test secrets (32 bytes each, base64url). */
export const TEST_SECRETS = {
  pepper: Buffer.alloc(32, 7),
  keyEncryptionKey: Buffer.alloc(32, 9),
};

export interface TestApp {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly config: Config;
  readonly clock: ManualClock;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * A whole Gatehouse (services + Fastify app, not listening) on a fresh database of the given
 * backend, with a frozen clock and captured logs. Use `app.inject` for requests.
 */
export async function createTestApp(
  backend: BackendName = 'sqlite',
  overrides: Partial<Record<ConfigKey, unknown>> = {},
  clock: ManualClock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0)),
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const config = loadConfig({
    env: {},
    file: undefined,
    // Rate limits are off unless a test turns them on: suites make many anonymous calls from one IP
    // on a frozen clock. The brute-force guard stays on everywhere.
    overrides: { dataDir, logLevel: 'info', publicUrl: 'http://gatehouse.test', rateLimitEnabled: false, ...overrides },
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        recordLogLine(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const { storage, dispose } = await openTestStorage(backend);
  const services = await createServices(config, {
    clock,
    log: createLogger('info', sink),
    storage,
    secrets: TEST_SECRETS,
    migrate: false,
  });
  const app = await buildApp(services);
  return {
    app,
    services,
    config,
    clock,
    // Reading the lines first writes the access-log lines still queued (they go out in batches).
    get logs() {
      app.accessLog.flush();
      return logs;
    },
    async close() {
      await app.close();
      // Every event this app stored goes to the suite-wide secret scan (test/scan/secrets.scan.ts).
      await services.audit.flush();
      await recordStoredAuditEvents(services.storage.db);
      await services.close();
      await dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
