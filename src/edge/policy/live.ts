import { type StatsListener, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../../lib/logger.ts';
import { loadPolicyFile } from './load.ts';
import { PolicyError } from './parse.ts';
import { AUTHENTICATE_ALL, type RoutePolicy } from './types.ts';

/** The policy in force, swapped atomically when its file changes. */
export interface LivePolicy {
  current(): RoutePolicy;
  /** Reads the file again now; returns whether the new version was taken. */
  reload(): boolean;
  close(): void;
}

export interface LivePolicyOptions {
  /** The policy file; undefined means every request needs a valid credential. */
  readonly file: string | undefined;
  readonly tiers: readonly string[];
  readonly log: Logger;
  /** How often the file's mtime is checked (ms). Polling also sees editors that replace the file. */
  readonly intervalMs?: number;
}

/**
 * Loads the policy once (throws `PolicyError` at start, so a bad file stops the server) and then
 * watches it: a valid new version replaces the old one; an invalid one is logged with its problems
 * and the old one stays in force.
 *
 * @example
 * const policy = openLivePolicy({ file: config.routePolicy, tiers, log });
 * matchRoute(policy.current(), req);
 */
export function openLivePolicy(opts: LivePolicyOptions): LivePolicy {
  const { file, tiers, log } = opts;
  if (file === undefined) return { current: () => AUTHENTICATE_ALL, reload: () => true, close() {} };
  let policy = loadPolicyFile(file, { tiers });
  log.info({ policy: file, rules: policy.rules.length }, 'route policy loaded');

  function reload(): boolean {
    try {
      policy = loadPolicyFile(file as string, { tiers });
      log.info({ policy: file, rules: policy.rules.length }, 'route policy reloaded');
      return true;
    } catch (err) {
      const problems = err instanceof PolicyError ? err.problems : [String(err)];
      log.error({ policy: file, problems }, 'route policy change refused; the previous version stays in force');
      return false;
    }
  }
  const onChange: StatsListener = (now, before) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) reload();
  };
  watchFile(file, { interval: opts.intervalMs ?? 1000, persistent: false }, onChange);
  return {
    current: () => policy,
    reload,
    close: () => unwatchFile(file, onChange),
  };
}
