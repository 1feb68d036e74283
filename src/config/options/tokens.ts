import { boolean, duration, oneOf, string } from '../option.ts';

const BASE64URL_32 = /^[A-Za-z0-9_-]{43,}$/;

export const tokenOptions = {
  pepper: string<string | undefined>({
    doc: 'Server secret (base64url, at least 32 bytes) keying the hashes of API keys and refresh tokens. Unset: generated once into `{dataDir}/pepper` (mode 0600). Changing it invalidates every key and refresh token.',
    default: undefined,
    secret: true,
    pattern: BASE64URL_32,
    patternDoc: 'base64url of at least 32 bytes',
  }),
  keyEncryptionKey: string<string | undefined>({
    doc: 'Key (base64url, 32 bytes) that encrypts signing private keys at rest (AES-256-GCM). Unset: generated once into `{dataDir}/master.key` (mode 0600).',
    default: undefined,
    secret: true,
    pattern: BASE64URL_32,
    patternDoc: 'base64url of 32 bytes',
  }),
  issuer: string<string>({
    doc: 'The `iss` of tokens this server signs.',
    default: (p) => String(p.publicUrl),
    defaultDoc: '`{publicUrl}`',
  }),
  audience: string({ doc: 'The `aud` of access tokens this server signs and accepts.', default: 'gatehouse', minLength: 1 }),
  accessTokenTtl: duration({ doc: 'Lifetime of access tokens.', default: 900, min: 30, max: 86_400 }),
  refreshIdleTtl: duration({
    doc: 'A session ends when its refresh token is not used for this long.',
    default: 7 * 86_400,
    min: 60,
  }),
  refreshAbsoluteTtl: duration({
    doc: 'A session ends this long after login, however often it is refreshed.',
    default: 30 * 86_400,
    min: 60,
  }),
  refreshReuseLeeway: duration({
    doc: 'A refresh token presented again this soon after it was rotated, while its successor is still unused, answers `409` (`ERR-3050`, use the newest token) instead of counting as reuse: concurrent refreshes from two tabs or workers never end the session. Later, or once the successor was used, it is reuse and ends the session. `0` turns the leeway off.',
    default: 10,
    min: 0,
    max: 60,
  }),
  signingAlgorithm: oneOf(['RS256', 'ES256', 'EdDSA', 'HS256'], {
    doc: 'Algorithm of newly generated signing keys. HS256 also needs `allowHs256`.',
    default: 'RS256',
  }),
  allowHs256: boolean({
    doc: 'Opt in to HS256 (a shared secret; tokens cannot be verified by third parties through JWKS).',
    default: false,
  }),
  clockSkew: duration({ doc: 'Tolerance for `exp`, `nbf` and `iat` checks.', default: 30, max: 300 }),
} as const;
