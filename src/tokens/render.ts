import type { SigningKeyInfo } from './types.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The public view of a signing key (never key material): `GET /v1/signing-keys` and `gatehouse keys --json`. */
export function renderSigningKey(k: SigningKeyInfo) {
  return {
    kid: k.kid,
    alg: k.alg,
    status: k.status,
    created_at: iso(k.createdAt),
    retired_at: iso(k.retiredAt),
    expires_at: iso(k.expiresAt),
  };
}
