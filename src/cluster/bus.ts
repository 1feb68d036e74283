import type { Config } from '../config/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { Storage } from '../storage/index.ts';
import { changeFeed } from './feed.ts';
import { composeBus, createLocalBus, type InvalidationBus, redisTransport } from './invalidation.ts';

export interface BusDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly log: Logger;
}

/**
 * The invalidation bus of this process: local handlers, the change feed in the database (always;
 * read only when `watch`, i.e. by servers, never by a CLI run), and Redis pub/sub when `redisUrl` is set.
 *
 * @example
 * const bus = await openInvalidationBus({ config, storage, clock, log }, { watch: true });
 */
export async function openInvalidationBus(deps: BusDeps, opts: { readonly watch: boolean }): Promise<InvalidationBus> {
  const { config, log } = deps;
  const local = createLocalBus();
  const feed = changeFeed(deps, local.publish);
  if (opts.watch) await feed.watch(config.changeFeedPollInterval * 1000);
  const transports =
    config.redisUrl !== undefined
      ? [feed, redisTransport(config.redisUrl, log, local.publish, `${config.redisKeyPrefix}invalidate`)]
      : [feed];
  return composeBus(local, transports);
}
