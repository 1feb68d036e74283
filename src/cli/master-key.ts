import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { keyEncryptionKeySource, loadServerSecrets, readSecretLines, writeSecretFileAtomically } from '../lib/server-secrets.ts';
import { migrateToLatest, openStorage } from '../storage/index.ts';
import { type ReencryptResult, reencryptSigningKeys } from '../tokens/master-key.ts';
import { configFor, output } from './context.ts';

/**
 * `gatehouse keys rotate-master`. With the generated `{dataDir}/master.key`, in three crash-safe
 * steps: (1) the file atomically becomes `new, old` — every process reading it opens keys sealed
 * under either; (2) one transaction re-seals every signing key under the new key; (3) the file
 * atomically becomes `new`. A crash after (1) or (2) leaves a file with both keys, which works,
 * and running the command again finishes the rotation. With a key from configuration (a value
 * or a mounted file), the operator supplies the new key and lists the old one in
 * `previousKeyEncryptionKeys` (or a second line of the file); the command re-seals under it.
 */
export function registerRotateMaster(keys: Command): void {
  keys
    .command('rotate-master')
    .description('re-encrypt every signing key under a new key-encryption key (master.key), atomically')
    .action(async (_opts, cmd: Command) => {
      const config = configFor(cmd);
      const source = keyEncryptionKeySource(config);
      const secrets = loadServerSecrets(config);
      const storage = openStorage(config.databaseUrl);
      let result: ReencryptResult;
      let resumed = false;
      try {
        await migrateToLatest(storage);
        if (source.kind === 'data-dir') {
          const held = readSecretLines(source.path);
          resumed = held.length > 1;
          const keys = resumed ? held : [randomBytes(32), ...held];
          if (!resumed) writeSecretFileAtomically(source.path, keys);
          const [next, ...old] = keys as [Buffer, ...Buffer[]];
          result = await reencryptSigningKeys(storage, next, [...old, ...(secrets.previousKeyEncryptionKeys ?? [])]);
          writeSecretFileAtomically(source.path, [next]);
        } else {
          result = await reencryptSigningKeys(storage, secrets.keyEncryptionKey, secrets.previousKeyEncryptionKeys ?? []);
        }
      } finally {
        await storage.close();
      }
      const where = source.kind === 'value' ? 'keyEncryptionKey' : source.path;
      output(cmd, { ...result, source: source.kind, resumed }, () =>
        [
          `${resumed ? 'finished an interrupted rotation: ' : ''}${result.reencrypted} of ${result.keys} signing keys re-encrypted under the key in ${where}`,
          source.kind === 'data-dir'
            ? 'restart running servers so they read the new master.key'
            : 'once every node runs with the new key, remove the old one (previousKeyEncryptionKeys, or the extra lines of the key file)',
        ].join('\n'),
      );
    });
}
