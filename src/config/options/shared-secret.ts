import { boolean, list, string } from '../option.ts';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

/** Below this many bytes an HMAC secret is refused at start (RFC 7518 §3.2 asks at least the hash size). */
export const SHARED_SECRET_MIN_BYTES = 32;

function hmac(s: string): HmacAlgorithm {
  if (!(HMAC_ALGORITHMS as readonly string[]).includes(s))
    throw new Error(`${s} is not allowed for a shared secret (HMAC only: ${HMAC_ALGORITHMS.join(', ')})`);
  return s as HmacAlgorithm;
}

/**
 * An opt-in issuer of JWTs signed with a shared secret (HMAC). Weaker than a JWKS issuer: every
 * service holding the secret can mint tokens, and it cannot be rotated without a coordinated
 * change. Accepted in the `oauth2` and `all` auth modes, like any external issuer.
 */
export const sharedSecretOptions = {
  jwtSharedSecret: string<string | undefined>({
    doc: `Secret (at least ${SHARED_SECRET_MIN_BYTES} bytes) of an issuer that signs JWTs with HMAC. Unset (with \`jwtSharedSecretFile\`): no such issuer. The weaker choice: prefer an issuer with a JWKS (\`OAUTH2_ISSUER_URL\`). See docs/external-idp.md.`,
    default: undefined,
    secret: true,
    // Characters are at least bytes: 32 characters are at least the 32 bytes HS256 needs.
    minLength: SHARED_SECRET_MIN_BYTES,
  }),
  jwtSharedSecretFile: string<string | undefined>({
    doc: 'A file holding the shared secret (trailing newline ignored), instead of `jwtSharedSecret`.',
    default: undefined,
  }),
  jwtSharedSecretIssuer: string<string | undefined>({
    doc: 'The `iss` the shared-secret tokens carry. Unset: tokens without an `iss` claim go to the shared-secret issuer.',
    default: undefined,
    minLength: 1,
  }),
  jwtSharedSecretAudience: string<string | undefined>({
    doc: 'The `aud` shared-secret tokens must carry. Unset: `aud` is not checked.',
    default: undefined,
    minLength: 1,
  }),
  jwtSharedSecretAlgorithms: list<HmacAlgorithm>({
    doc: `HMAC algorithms accepted from the shared-secret issuer (${HMAC_ALGORITHMS.join(', ')}).`,
    default: ['HS256'],
    item: hmac,
  }),
  jwtSharedSecretRequireExp: boolean({
    doc: 'Shared-secret tokens must carry `exp`. `false` accepts tokens that never expire — only where they are minted per request and never stored.',
    default: true,
  }),
  jwtSharedSecretOrganization: string<string | undefined>({
    doc: 'The organization (id or slug) shared-secret tokens act for, or `claim:NAME`. Default: the operator organization (the one `gatehouse init` made).',
    default: undefined,
    minLength: 1,
  }),
} as const;
