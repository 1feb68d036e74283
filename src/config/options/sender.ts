import { boolean, duration, list, string } from '../option.ts';

const DPOP_ALGS = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const;
/** An HTTP field name (RFC 9110 token), lower-cased when used. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** Sender-constrained tokens: TLS and mutual TLS (RFC 8705), DPoP (RFC 9449). */
export const senderOptions = {
  tlsCert: string<string | undefined>({
    doc: 'PEM file with the server certificate (chain). With `tlsKey`, `gatehouse serve` listens on HTTPS instead of HTTP; set `publicUrl` to the `https://` address.',
    default: undefined,
    minLength: 1,
  }),
  tlsKey: string<string | undefined>({
    doc: 'PEM file with the private key of `tlsCert`.',
    default: undefined,
    minLength: 1,
  }),
  tlsClientCa: string<string | undefined>({
    doc: 'PEM file with the CA certificates that issue client certificates. Set: the server asks every TLS client for a certificate (never requires one); `tls_client_auth` clients must present one issued directly by one of these CAs. Behind a TLS-terminating proxy (no `tlsCert`), certificates from `tlsClientCertHeader` are checked against it.',
    default: undefined,
    minLength: 1,
  }),
  tlsClientCertHeader: string<string | undefined>({
    doc: 'Behind a TLS-terminating proxy: the request header that carries the client certificate (RFC 9440 `Client-Cert` byte sequence `:base64-DER:`, or URL-encoded PEM). Read only from peers listed in `trustedProxies`; ignored from anyone else.',
    default: undefined,
    pattern: HEADER_NAME,
    patternDoc: 'an HTTP header name',
  }),
  dpopSigningAlgs: list<(typeof DPOP_ALGS)[number]>({
    doc: `Algorithms accepted for DPoP proofs, advertised as \`dpop_signing_alg_values_supported\` (any of ${DPOP_ALGS.join(', ')}; never none or a MAC).`,
    default: ['ES256', 'EdDSA', 'RS256', 'PS256'],
    item: (s) => {
      if (!(DPOP_ALGS as readonly string[]).includes(s))
        throw new Error(`unsupported DPoP algorithm ${JSON.stringify(s)}; use ${DPOP_ALGS.join(', ')}`);
      return s as (typeof DPOP_ALGS)[number];
    },
  }),
  dpopProofMaxAge: duration({
    doc: 'How far a DPoP proof `iat` may lie from the server clock (either way, plus `clockSkew`); a proof is also used once.',
    default: 60,
    min: 5,
    max: 600,
  }),
  dpopRequireNonce: boolean({
    doc: "Require a server-issued nonce in every DPoP proof (RFC 9449 §8, §9): a proof without the current one is answered `use_dpop_nonce` with a fresh `DPoP-Nonce` header. Nonces are derived from the server pepper, so every node accepts every node's.",
    default: false,
  }),
} as const;
