import type { Command } from 'commander';
import { type Config, loadConfig } from '../config/index.ts';
import { createLogger } from '../lib/logger.ts';
import { createServices, type Services } from '../services.ts';

/** Options every command understands. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

/** A failure the CLI reports as one line on stderr and a non-zero exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function configFor(cmd: Command): Config {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  return loadConfig(opts.config !== undefined ? { file: opts.config } : {});
}

/**
 * Opens the configured storage (the same as `serve` uses), runs `fn`, and closes everything.
 * Logs go to stderr at `warn` so stdout stays clean for output and `--json`.
 */
export async function withServices<T>(cmd: Command, fn: (services: Services) => Promise<T>): Promise<T> {
  const config = configFor(cmd);
  // A CLI run writes to the change feed (running servers read it) but never reads it.
  const services = await createServices(config, {
    log: createLogger(config.logLevel === 'silent' ? 'silent' : 'warn', process.stderr),
    watchChanges: false,
  });
  try {
    return await fn(services);
  } finally {
    await services.close();
  }
}

/** Prints `value` as JSON when `--json` was given, else the text `human()` returns. */
export function output(cmd: Command, value: unknown, human: () => string): void {
  if (cmd.optsWithGlobals<GlobalOptions>().json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}
