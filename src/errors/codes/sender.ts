import type { ErrorSpec } from '../spec.ts';

/** Sender-constrained credentials: DPoP (RFC 9449) and mutual TLS (RFC 8705), ERR-8040..8049. */
export const senderErrors = {
  dpop_proof_invalid: {
    code: 'ERR-8040',
    status: 401,
    title: 'Invalid DPoP proof',
    description:
      'The `DPoP` header is missing, malformed, signed with an algorithm not allowed, or does not match the request (`htm`, `htu`), the access token (`ath`) or the key the token is bound to (`cnf.jkt`), or its `iat` is outside the accepted window. Send a fresh proof for this request.',
    oauth: 'invalid_dpop_proof',
  },
  dpop_nonce_required: {
    code: 'ERR-8041',
    status: 401,
    title: 'DPoP nonce required',
    description: 'The server requires a nonce in DPoP proofs. Retry with the nonce from the `DPoP-Nonce` response header.',
    oauth: 'use_dpop_nonce',
  },
  dpop_proof_replayed: {
    code: 'ERR-8042',
    status: 401,
    title: 'DPoP proof already used',
    description: 'A DPoP proof is used once; this `jti` was seen before. Create a new proof for every request.',
    oauth: 'invalid_dpop_proof',
  },
  dpop_bound_token_as_bearer: {
    code: 'ERR-8043',
    status: 401,
    title: 'DPoP-bound token sent as Bearer',
    description: 'This access token is bound to a DPoP key: send it with `Authorization: DPoP <token>` and a `DPoP` proof.',
    oauth: 'invalid_token',
  },
  certificate_binding_mismatch: {
    code: 'ERR-8044',
    status: 401,
    title: 'Client certificate does not match',
    description:
      'The credential is bound to a client certificate (`cnf.x5t#S256`, or an API key bound to a certificate fingerprint); the request was not made over TLS with that certificate.',
    oauth: 'invalid_token',
  },
  replay_cache_unavailable: {
    code: 'ERR-8045',
    status: 503,
    title: 'Replay cache unavailable',
    description: 'The shared replay cache (Redis) could not be reached, so one-time proofs cannot be checked. Retry later.',
    oauth: 'temporarily_unavailable',
  },
  invalid_certificate_fingerprint: {
    code: 'ERR-8046',
    status: 400,
    title: 'Invalid certificate fingerprint',
    description: 'A certificate fingerprint is the base64url SHA-256 of the DER certificate (43 characters), as in `x5t#S256`.',
    oauth: 'invalid_request',
  },
} as const satisfies Record<string, ErrorSpec>;
