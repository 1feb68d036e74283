import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import type { JWK } from 'jose';
import { randomToken } from '../lib/secure.ts';

export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA' | 'HS256';

/** A freshly generated key, before storage. */
export interface GeneratedKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** Public JWK with kid/alg/use, or null for HS256 (never published). */
  readonly publicJwk: JWK | null;
  /** PKCS#8 DER (asymmetric) or the raw secret (HS256). */
  readonly privateBytes: Buffer;
}

/** Generates a signing key: RSA 2048, P-256, Ed25519 or a 256-bit HMAC secret. */
export function generateKey(alg: SigningAlgorithm): GeneratedKey {
  const kid = randomToken(12);
  if (alg === 'HS256') return { kid, alg, publicJwk: null, privateBytes: randomBytes(32) };
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const publicJwk: JWK = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { kid, alg, publicJwk, privateBytes: pair.privateKey.export({ format: 'der', type: 'pkcs8' }) };
}

/** AES-256-GCM with the kid as associated data: base64url(iv | tag | ciphertext). */
export function sealPrivateKey(kek: Buffer, kid: string, bytes: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ct = Buffer.concat([cipher.update(bytes), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
}

/** Reverses `sealPrivateKey`; throws when the key-encryption key or the kid does not match. */
export function openPrivateKey(kek: Buffer, kid: string, sealed: string): Buffer {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(kid, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

/** Opens a sealed key with the first of `keks` that fits (the current one, then earlier ones). */
export function openWithAny(keks: readonly Buffer[], kid: string, sealed: string): Buffer {
  for (const kek of keks.slice(0, -1)) {
    try {
      return openPrivateKey(kek, kid, sealed);
    } catch {
      // not sealed with this one; try the next
    }
  }
  const last = keks.at(-1);
  if (last === undefined) throw new Error('no key-encryption key');
  return openPrivateKey(last, kid, sealed);
}

/** The signing and verification KeyObjects of a stored key. */
export function keyObjects(alg: string, privateBytes: Buffer): { signing: KeyObject; verifying: KeyObject } {
  if (alg === 'HS256') {
    const secret = createSecretKey(privateBytes);
    return { signing: secret, verifying: secret };
  }
  const signing = createPrivateKey({ key: privateBytes, format: 'der', type: 'pkcs8' });
  return { signing, verifying: createPublicKey(signing) };
}
