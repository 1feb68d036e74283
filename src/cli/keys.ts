import type { Command } from 'commander';
import { renderSigningKey } from '../tokens/render.ts';
import type { SigningKeyInfo } from '../tokens/types.ts';
import { output, withServices } from './context.ts';
import { registerRotateMaster } from './master-key.ts';

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

function table(keys: readonly SigningKeyInfo[]): string {
  const rows = keys.map(
    (k) => `${k.kid.padEnd(18)} ${k.alg.padEnd(6)} ${k.status.padEnd(8)} ${when(k.createdAt).padEnd(25)} ${when(k.expiresAt)}`,
  );
  return [`${'KID'.padEnd(18)} ${'ALG'.padEnd(6)} ${'STATUS'.padEnd(8)} ${'CREATED'.padEnd(25)} PUBLISHED UNTIL`, ...rows].join('\n');
}

/** `gatehouse keys list|rotate`: signing keys, on the configured storage. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage the keys that sign access tokens');
  keys
    .command('list')
    .description('list signing keys (no key material)')
    .action(async (_opts, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const list = await s.tokens.listSigningKeys();
        output(cmd, list.map(renderSigningKey), () => table(list));
      });
    });
  keys
    .command('rotate')
    .description('make a new active key; the old one stays published until the tokens it signed expire')
    .action(async (_opts, cmd: Command) => {
      await withServices(cmd, async (s) => {
        const key = await s.tokens.rotateSigningKey();
        output(cmd, renderSigningKey(key), () => `rotated: new active key ${key.kid} (${key.alg})`);
      });
    });
  registerRotateMaster(keys);
}
