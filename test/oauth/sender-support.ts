import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** A DPoP key held by a test client: signs proofs whose every claim a test may bend. */
export interface ProofKey {
  readonly jwk: JWK;
  readonly jkt: string;
  proof(
    claims: { htm: string; htu: string; ath?: string; nonce?: string; iat?: number; jti?: string },
    header?: Record<string, unknown>,
  ): Promise<string>;
}

export async function proofKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    jwk,
    jkt,
    proof: (claims, header = {}) => {
      const { iat, jti, ...rest } = claims;
      return new SignJWT({ ...rest, jti: jti ?? randomBytes(16).toString('base64url') })
        .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk, ...header })
        .setIssuedAt(iat ?? Math.floor(Date.now() / 1000))
        .sign(privateKey);
    },
  };
}

/** `ath`: base64url SHA-256 of the access token. */
export const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

/** The payload of a JWT (tests only read their own tokens). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
