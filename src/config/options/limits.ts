import { boolean, duration, integer, list, string, structured } from '../option.ts';

/** A named rate-limit tier, assignable to organizations and API keys. */
export interface RateLimitTier {
  readonly requests_per_minute: number;
  /** Requests that may arrive at once on a full bucket (default: `requests_per_minute`). */
  readonly burst?: number;
}

export const RATE_LIMIT_LAYERS = ['anonymous', 'api_key', 'user'] as const;
export type RateLimitLayer = (typeof RATE_LIMIT_LAYERS)[number];

function positiveInt(v: unknown, where: string, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max)
    throw new Error(`${where} must be an integer from 1 to ${max}`);
  return v;
}

function checkTiers(raw: unknown): Readonly<Record<string, RateLimitTier>> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('expected an object of tier name → { requests_per_minute, burst? }');
  const out: Record<string, RateLimitTier> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(name))
      throw new Error(`tier name ${JSON.stringify(name)} must be 1-64 lower-case letters, digits, _ or -`);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`tier ${name} must be an object`);
    const { requests_per_minute, burst, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new Error(`tier ${name}: unknown key ${unknown[0]} (expected requests_per_minute, burst)`);
    const rpm = positiveInt(requests_per_minute, `tier ${name}: requests_per_minute`, 1_000_000);
    out[name] = Object.freeze(
      burst === undefined
        ? { requests_per_minute: rpm }
        : { requests_per_minute: rpm, burst: positiveInt(burst, `tier ${name}: burst`, 1_000_000) },
    );
  }
  return Object.freeze(out);
}

/** Options of the rate-limit and brute-force module. */
export const limitsOptions = {
  rateLimitEnabled: boolean({
    doc: 'Rate-limit requests (per client IP on public routes, per credential on protected ones) and answer `X-RateLimit-*` headers.',
    default: true,
  }),
  rateLimitAnonymous: integer({
    doc: 'Requests per minute per client IP on public routes (login, registration, refresh, invitation acceptance). Burst equals the limit.',
    default: 10,
    min: 1,
    max: 1_000_000,
  }),
  rateLimitApiKey: integer({
    doc: 'Requests per minute per API key, unless the key or its organization has a tier. Burst equals the limit.',
    default: 100,
    min: 1,
    max: 1_000_000,
  }),
  rateLimitUser: integer({
    doc: 'Requests per minute per user (access tokens) or external subject, unless the organization has a tier. Burst equals the limit.',
    default: 100,
    min: 1,
    max: 1_000_000,
  }),
  rateLimitTiers: structured<Readonly<Record<string, RateLimitTier>>>({
    kind: 'object',
    doc: 'Named tiers `{ "premium": { "requests_per_minute": 1000, "burst": 200 } }`. An API key\'s `rate_limit` names a tier and wins over its organization\'s tier, which wins over the layer default.',
    default: Object.freeze({
      default: Object.freeze({ requests_per_minute: 100 }),
      authenticated: Object.freeze({ requests_per_minute: 300 }),
      premium: Object.freeze({ requests_per_minute: 1000 }),
    }),
    defaultDoc: '`default` 100/min, `authenticated` 300/min, `premium` 1000/min',
    check: checkTiers,
  }),
  rateLimitFailClosed: list<RateLimitLayer>({
    doc: "Layers (`anonymous`, `api_key`, `user`) that answer 503 (`ERR-7003`) while Redis is unreachable. Other layers fall back to this node's in-memory limiter.",
    default: [],
    item: (s) => {
      if (!(RATE_LIMIT_LAYERS as readonly string[]).includes(s))
        throw new Error(`unknown layer ${JSON.stringify(s)} (expected ${RATE_LIMIT_LAYERS.join(', ')})`);
      return s as RateLimitLayer;
    },
  }),
  redisKeyPrefix: string({
    doc: 'Prefix of every Redis key Gatehouse writes (rate-limit buckets, brute-force counters) and of its invalidation channel (`<prefix>invalidate`), so deployments can share one Redis.',
    default: 'gatehouse:',
    pattern: /^[A-Za-z0-9:_.-]{1,64}$/,
    patternDoc: '1-64 letters, digits, or : _ . -',
  }),
  bruteForceThreshold: integer({
    doc: 'Failed attempts per account (login by email or username alike, invitation acceptance, password change) within `bruteForceWindow` before further attempts get 429. Counters live in Redis when `redisUrl` is set, else in the database, so a restart keeps them.',
    default: 5,
    min: 1,
    max: 1000,
  }),
  bruteForceIpThreshold: integer({
    doc: 'Failed attempts per client IP within `bruteForceWindow`, across accounts, before further attempts from it get 429.',
    default: 20,
    min: 1,
    max: 100_000,
  }),
  bruteForceWindow: duration({
    doc: 'How long failed attempts are remembered after the last one; also the longest lockout.',
    default: 900,
    min: 1,
    max: 86_400,
  }),
  bruteForceLockout: duration({
    doc: 'The first lockout once the threshold is reached; it doubles with each further attempt, up to `bruteForceWindow`.',
    default: 30,
    min: 1,
    max: 86_400,
  }),
} as const;
