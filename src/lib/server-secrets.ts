import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Secrets the server keys its hashes and encrypts its signing keys with. */
export interface ServerSecrets {
  /** HMAC key for API-key and refresh-token hashes. */
  readonly pepper: Buffer;
  /** AES-256-GCM key for signing private keys at rest: new keys are sealed with it. */
  readonly keyEncryptionKey: Buffer;
  /** Earlier key-encryption keys: still tried when opening a signing key, never used to seal. */
  readonly previousKeyEncryptionKeys?: readonly Buffer[];
}

/** Where the key-encryption key comes from; decides what `keys rotate-master` may do. */
export type KeyEncryptionKeySource =
  | { readonly kind: 'value' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'data-dir'; readonly path: string };

export interface SecretOptions {
  readonly dataDir: string;
  readonly pepper?: string | undefined;
  readonly pepperFile?: string | undefined;
  readonly keyEncryptionKey?: string | undefined;
  readonly keyEncryptionKeyFile?: string | undefined;
  readonly previousKeyEncryptionKeys?: readonly string[] | undefined;
}

const decode = (s: string) => Buffer.from(s.trim(), 'base64url');

/** The non-empty lines of a secret file, decoded: the first is the current key, the rest older ones. */
export function readSecretLines(path: string): Buffer[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new Error(`${path} holds no secret`);
  return lines.map(decode);
}

/**
 * Replaces a secret file atomically: written to a temporary file, flushed to disk, renamed over
 * the old one, so a crash leaves either the old file or the new one, never a torn one.
 */
export function writeSecretFileAtomically(path: string, keys: readonly Buffer[]): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeFileSync(fd, keys.map((k) => `${k.toString('base64url')}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

function fromFileOrCreate(dir: string, name: string): Buffer[] {
  const path = join(dir, name);
  try {
    return readSecretLines(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = randomBytes(32);
  try {
    // 'wx': never overwrite a secret another process created a moment ago.
    writeFileSync(path, `${value.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return [value];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readSecretLines(path);
    throw err;
  }
}

function exclusive(name: string, value: unknown, file: unknown): void {
  if (value !== undefined && file !== undefined) throw new Error(`set ${name} or ${name}File, not both`);
}

/** Where the key-encryption key is read from under these options. */
export function keyEncryptionKeySource(opts: SecretOptions): KeyEncryptionKeySource {
  if (opts.keyEncryptionKey !== undefined) return { kind: 'value' };
  if (opts.keyEncryptionKeyFile !== undefined) return { kind: 'file', path: opts.keyEncryptionKeyFile };
  return { kind: 'data-dir', path: join(opts.dataDir, 'master.key') };
}

/**
 * The pepper and key-encryption key, each from (in order) its value option, its `…File` option
 * (a container secret or key-management mount), or a file in `dataDir` created once with mode
 * 0600. A key file may hold several lines: the first is the current key, the others earlier ones
 * that still open signing keys (a master-key rotation in progress).
 */
export function loadServerSecrets(opts: SecretOptions): ServerSecrets {
  exclusive('pepper', opts.pepper, opts.pepperFile);
  exclusive('keyEncryptionKey', opts.keyEncryptionKey, opts.keyEncryptionKeyFile);
  const pepper =
    opts.pepper !== undefined
      ? decode(opts.pepper)
      : opts.pepperFile !== undefined
        ? (readSecretLines(opts.pepperFile)[0] as Buffer)
        : (fromFileOrCreate(opts.dataDir, 'pepper')[0] as Buffer);
  const source = keyEncryptionKeySource(opts);
  const keks =
    source.kind === 'value'
      ? [decode(opts.keyEncryptionKey as string)]
      : source.kind === 'file'
        ? readSecretLines(source.path)
        : fromFileOrCreate(opts.dataDir, 'master.key');
  const previous = [...keks.slice(1), ...(opts.previousKeyEncryptionKeys ?? []).map(decode)];
  const keyEncryptionKey = keks[0] as Buffer;
  for (const k of [keyEncryptionKey, ...previous]) {
    if (k.length !== 32) throw new Error('keyEncryptionKey must be exactly 32 bytes (base64url)');
  }
  if (pepper.length < 32) throw new Error('pepper must be at least 32 bytes (base64url)');
  return { pepper, keyEncryptionKey, ...(previous.length > 0 ? { previousKeyEncryptionKeys: previous } : {}) };
}
