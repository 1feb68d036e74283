import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Secrets the server keys its hashes and encrypts its signing keys with. */
export interface ServerSecrets {
  /** HMAC key for API-key and refresh-token hashes. */
  readonly pepper: Buffer;
  /** AES-256-GCM key for signing private keys at rest. */
  readonly keyEncryptionKey: Buffer;
}

function fromFileOrCreate(dir: string, name: string): Buffer {
  const path = join(dir, name);
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = randomBytes(32);
  try {
    // 'wx': never overwrite a secret another process created a moment ago.
    writeFileSync(path, `${value.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
    throw err;
  }
}

/**
 * The pepper and key-encryption key: from configuration when given, else read from (or created
 * once in) `dataDir` with mode 0600.
 */
export function loadServerSecrets(opts: {
  dataDir: string;
  pepper: string | undefined;
  keyEncryptionKey: string | undefined;
}): ServerSecrets {
  const pepper = opts.pepper !== undefined ? Buffer.from(opts.pepper, 'base64url') : fromFileOrCreate(opts.dataDir, 'pepper');
  const keyEncryptionKey =
    opts.keyEncryptionKey !== undefined ? Buffer.from(opts.keyEncryptionKey, 'base64url') : fromFileOrCreate(opts.dataDir, 'master.key');
  if (keyEncryptionKey.length !== 32) throw new Error('keyEncryptionKey must be exactly 32 bytes (base64url)');
  if (pepper.length < 32) throw new Error('pepper must be at least 32 bytes (base64url)');
  return { pepper, keyEncryptionKey };
}
