import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.ts';
import { GatehouseError } from '../errors/index.ts';
import { registerAudit } from './audit.ts';
import { registerBackup } from './backup.ts';
import { registerClients } from './clients.ts';
import { CliError } from './context.ts';
import { registerInit } from './init.ts';
import { registerKeys } from './keys.ts';
import { registerLimits } from './limits.ts';
import { registerMigrate } from './migrate.ts';
import { registerPolicy } from './policy.ts';
import { registerProxy } from './proxy.ts';
import { registerServe } from './serve.ts';
import { registerStorage } from './storage.ts';
import { registerToken } from './token.ts';
import { registerUsers } from './users.ts';

/** Builds the `gatehouse` program; one file per command group. */
export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse: authentication and authorization for APIs')
    .version('0.1.0')
    .option('-c, --config <file>', 'config file (default: $GATEHOUSE_CONFIG or ./gatehouse.config.json)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerServe(program);
  registerMigrate(program);
  registerInit(program);
  registerKeys(program);
  registerToken(program);
  registerAudit(program);
  registerLimits(program);
  registerUsers(program);
  registerPolicy(program);
  registerProxy(program);
  registerClients(program);
  registerBackup(program);
  registerStorage(program);
  return program;
}

/** Runs the CLI; resolves to the exit code. Errors print one clear line, never a secret. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) process.stderr.write(`gatehouse: ${err.message}\n`);
    else if (err instanceof CliError) {
      process.stderr.write(`gatehouse: ${err.message}\n`);
      return err.exitCode;
    } else if (err instanceof GatehouseError) process.stderr.write(`gatehouse: ${err.detail} (${err.code})\n`);
    else process.stderr.write(`gatehouse: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
