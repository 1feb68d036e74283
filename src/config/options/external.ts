import { describe, duration, integer, list, string, structured } from '../option.ts';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type ExternalAlgorithm = (typeof ASYMMETRIC)[number];
export const PRESETS = ['generic', 'auth0', 'okta', 'cognito', 'azure', 'keycloak', 'google'] as const;
export type Preset = (typeof PRESETS)[number];

/** One trusted external issuer, as configured. */
export interface IssuerConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri?: string;
  readonly algorithms: readonly ExternalAlgorithm[];
  readonly preset: Preset;
  /** `claim:NAME` (the organization id or slug is in that claim) or a fixed organization id or slug. */
  readonly organization?: string;
  /** Claim holding the memory spaces (string or array); unset: every space of the organization. */
  readonly memorySpacesClaim?: string;
  /** Extra claims whose values are scopes (dotted paths reach nested claims). */
  readonly scopeClaims?: readonly string[];
  /** Role claim value → scopes it grants. */
  readonly roleScopes?: Readonly<Record<string, readonly string[]>>;
}

function issuerUrl(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${where}: not a URL`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new Error(`${where}: must be https (http only for loopback)`);
  return value;
}

function algorithms(raw: unknown, where: string): readonly ExternalAlgorithm[] {
  const values = typeof raw === 'string' ? (raw.trim().startsWith('[') ? (JSON.parse(raw) as unknown) : raw.split(',')) : raw;
  if (!Array.isArray(values) || values.length === 0) throw new Error(`${where}: expected a non-empty list of algorithms`);
  return values.map((v) => {
    const alg = String(v).trim();
    if (!(ASYMMETRIC as readonly string[]).includes(alg))
      throw new Error(`${where}: ${alg} is not allowed (asymmetric only: ${ASYMMETRIC.join(', ')})`);
    return alg as ExternalAlgorithm;
  });
}

const ISSUER_KEYS = new Set([
  'issuer',
  'audience',
  'jwksUri',
  'algorithms',
  'preset',
  'organization',
  'memorySpacesClaim',
  'scopeClaims',
  'roleScopes',
]);

function checkIssuers(raw: unknown): readonly IssuerConfig[] {
  if (!Array.isArray(raw)) throw new Error(`expected an array of issuers, got ${describe(raw)}`);
  return raw.map((item, i) => {
    const where = `issuers[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new Error(`${where}: expected an object`);
    const o = item as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!ISSUER_KEYS.has(k)) throw new Error(`${where}: unknown key "${k}"`);
    if (typeof o.issuer !== 'string') throw new Error(`${where}.issuer: required string`);
    if (typeof o.audience !== 'string' || o.audience === '') throw new Error(`${where}.audience: required string`);
    const preset = o.preset ?? 'generic';
    if (!(PRESETS as readonly unknown[]).includes(preset)) throw new Error(`${where}.preset: one of ${PRESETS.join(', ')}`);
    const strings = (v: unknown, name: string) => {
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`${where}.${name}: expected an array of strings`);
      return v as string[];
    };
    let roleScopes: Record<string, string[]> | undefined;
    if (o.roleScopes !== undefined) {
      if (o.roleScopes === null || typeof o.roleScopes !== 'object') throw new Error(`${where}.roleScopes: expected an object`);
      roleScopes = {};
      for (const [k, v] of Object.entries(o.roleScopes)) roleScopes[k] = strings(v, `roleScopes.${k}`) ?? [];
    }
    for (const k of ['jwksUri', 'organization', 'memorySpacesClaim'] as const) {
      if (o[k] !== undefined && typeof o[k] !== 'string') throw new Error(`${where}.${k}: expected a string`);
    }
    return Object.freeze({
      issuer: issuerUrl(o.issuer, `${where}.issuer`),
      audience: o.audience,
      ...(o.jwksUri !== undefined ? { jwksUri: issuerUrl(o.jwksUri as string, `${where}.jwksUri`) } : {}),
      algorithms: o.algorithms === undefined ? (['RS256'] as const) : algorithms(o.algorithms, `${where}.algorithms`),
      preset: preset as Preset,
      ...(o.organization !== undefined ? { organization: o.organization as string } : {}),
      ...(o.memorySpacesClaim !== undefined ? { memorySpacesClaim: o.memorySpacesClaim as string } : {}),
      ...(o.scopeClaims !== undefined ? { scopeClaims: strings(o.scopeClaims, 'scopeClaims') } : {}),
      ...(roleScopes ? { roleScopes } : {}),
    }) as IssuerConfig;
  });
}

export const externalOptions = {
  oauth2IssuerUrl: string<string | undefined>({
    doc: 'A trusted external issuer (Auth0, Okta, Cognito, Azure AD, Keycloak, Google, any OIDC). Its tokens are accepted in the `oauth2` and `all` modes. https only (http for loopback).',
    default: undefined,
    aliases: ['OAUTH2_ISSUER_URL'],
    pattern: /^https?:\/\//,
    patternDoc: 'an http(s) URL',
  }),
  oauth2Audience: string<string | undefined>({
    doc: 'The `aud` that external tokens must carry.',
    default: undefined,
    aliases: ['OAUTH2_AUDIENCE'],
  }),
  oauth2JwksUrl: string<string | undefined>({
    doc: "The issuer's JWKS URL; unset: discovered from `{issuer}/.well-known/openid-configuration`.",
    default: undefined,
    aliases: ['OAUTH2_JWKS_URL'],
  }),
  oauth2Algorithms: list({
    doc: 'Signing algorithms accepted from the external issuer (asymmetric only).',
    default: ['RS256'],
    aliases: ['OAUTH2_ALGORITHMS'],
  }),
  oauth2Preset: string({
    doc: `Claim mapping preset: ${PRESETS.join(', ')}. See docs/external-idp.md.`,
    default: 'generic',
    aliases: ['OAUTH2_PRESET'],
    pattern: new RegExp(`^(${PRESETS.join('|')})$`),
    patternDoc: PRESETS.join(' | '),
  }),
  oauth2Organization: string<string | undefined>({
    doc: "Which Gatehouse organization external tokens act for: `claim:NAME` (the id or slug is in that claim), or a fixed organization id or slug. Default: the preset's claim.",
    default: undefined,
    aliases: ['OAUTH2_ORGANIZATION'],
  }),
  issuers: structured<readonly IssuerConfig[]>({
    kind: 'array',
    doc: 'Several trusted issuers (config file): `[{"issuer", "audience", "jwksUri"?, "algorithms"?, "preset"?, "organization"?, "memorySpacesClaim"?, "scopeClaims"?, "roleScopes"?}]`.',
    default: [],
    check: checkIssuers,
  }),
  jwksTimeout: duration({ doc: 'Timeout for fetching an external JWKS or discovery document.', default: 5, min: 0.05, max: 60 }),
  jwksMaxBytes: integer({ doc: 'Largest JWKS or discovery document accepted, in bytes.', default: 262_144, min: 1024, max: 10_485_760 }),
  jwksRefetchInterval: duration({
    doc: 'An unknown `kid` refetches the JWKS at most this often per issuer.',
    default: 30,
    min: 0,
    max: 3600,
  }),
} as const;

/** Every configured issuer: the `issuers` list plus the one from `OAUTH2_*` variables. */
export function configuredIssuers(c: {
  oauth2IssuerUrl: string | undefined;
  oauth2Audience: string | undefined;
  oauth2JwksUrl: string | undefined;
  oauth2Algorithms: readonly string[];
  oauth2Preset: string;
  oauth2Organization: string | undefined;
  issuers: readonly IssuerConfig[];
}): IssuerConfig[] {
  const list = [...c.issuers];
  if (c.oauth2IssuerUrl !== undefined) {
    if (c.oauth2Audience === undefined) throw new Error('OAUTH2_AUDIENCE (oauth2Audience) is required with OAUTH2_ISSUER_URL');
    const [entry] = checkIssuers([
      {
        issuer: c.oauth2IssuerUrl,
        audience: c.oauth2Audience,
        ...(c.oauth2JwksUrl !== undefined ? { jwksUri: c.oauth2JwksUrl } : {}),
        algorithms: [...c.oauth2Algorithms],
        preset: c.oauth2Preset,
        ...(c.oauth2Organization !== undefined ? { organization: c.oauth2Organization } : {}),
      },
    ]);
    if (entry) list.push(entry);
  }
  return list;
}
