import { duration, integer, oneOf, string } from '../option.ts';

export const keysOptions = {
  apiKeyPrefix: string({
    doc:
      'Prefix of API keys this deployment issues and recognises. `sk` gives `sk_live_…` / `sk_test_…`; a prefix ending in `_` (e.g. `devmesh_`) gives keys without an environment segment. ' +
      'After the prefix come 33 random base62 characters (196 bits) and a 6-character base62 CRC-32 checksum, so secret scanners can match `\\bsk_(live|test)_[0-9A-Za-z]{39}\\b` (or `\\bdevmesh_[0-9A-Za-z]{39}\\b`).',
    default: 'sk',
    pattern: /^[a-z][a-z0-9]{0,15}_?$/,
    patternDoc: '1-16 lower-case letters or digits, optionally ending in _',
  }),
  apiKeyEnvironment: oneOf(['live', 'test'], {
    doc: 'The environment this deployment serves: keys of the other environment are refused (`ERR-5004`).',
    default: 'live',
  }),
  apiKeyMaxLifetimeDays: integer({
    doc:
      'Key-lifetime policy, in days. `0`: no policy — a key may be created without an expiry, and an explicit expiry may be at most 3650 days away. ' +
      'Any other value: every key expires within that many days (a key asked for without an expiry gets the maximum; one asked for beyond it is refused with `ERR-5050`). ' +
      'An organization may set a shorter policy of its own (`api_key_max_lifetime_days` on `PATCH /v1/organizations/{org}`); the shorter one applies. A key minted by a key never outlives its parent.',
    default: 0,
    min: 0,
    max: 3650,
  }),
  apiKeyCacheSize: integer({
    doc: 'Verified API keys kept in memory (the hot set; oldest out first). `0` asks storage on every request.',
    default: 10_000,
    min: 0,
    max: 1_000_000,
  }),
  apiKeyCacheTtl: duration({
    doc: 'How long a verified key is trusted from memory before storage is asked again. Revocation on this node (or through Redis) applies at once regardless.',
    default: 30,
    max: 3600,
  }),
  apiKeyNegativeCacheSize: integer({
    doc: 'Unknown (well-formed, checksum-valid) API keys remembered for `apiKeyCacheTtl`, so a repeated bad key costs no storage read.',
    default: 10_000,
    min: 0,
    max: 1_000_000,
  }),
  apiKeyUsageFlushInterval: duration({
    doc: 'How often `last_used_at` and usage counts are written, in one batch (also on shutdown).',
    default: 5,
    min: 1,
    max: 300,
  }),
} as const;
