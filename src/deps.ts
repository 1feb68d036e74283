import type { AuditLog } from './audit/audit.ts';
import type { InvalidationBus } from './cluster/invalidation.ts';
import type { Config } from './config/index.ts';
import type { Clock } from './lib/clock.ts';
import type { Logger } from './lib/logger.ts';
import type { ServerSecrets } from './lib/server-secrets.ts';
import type { Storage } from './storage/index.ts';

/** What every service factory receives. */
export interface CoreDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly log: Logger;
  readonly secrets: ServerSecrets;
  readonly audit: AuditLog;
  /** Cross-node cache invalidation: publish on revoke, subscribe to drop cached entries. */
  readonly bus: InvalidationBus;
}
