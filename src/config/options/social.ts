import { describe, duration, string, structured } from '../option.ts';

export type SocialKind = 'oidc' | 'github';

/** One upstream sign-in provider, as configured (`socialProviders`, or the `google*` / `github*` settings). */
export interface SocialProviderConfig {
  /** The URL name: `/v1/auth/{id}`. Lower-case letters, digits and dashes. */
  readonly id: string;
  readonly kind: SocialKind;
  /** The button label: "Continue with {name}". */
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  /** A file holding the client secret (trailing newline ignored), instead of `clientSecret`. */
  readonly clientSecretFile?: string;
  /** OIDC: the issuer URL; its discovery document names every endpoint. */
  readonly issuer?: string;
  /** Scopes asked of the provider. */
  readonly scopes?: readonly string[];
  /** GitHub-shaped: the authorize and token endpoints and the API base (`/user`, `/user/emails`). */
  readonly authorizationUrl?: string;
  readonly tokenUrl?: string;
  readonly apiUrl?: string;
}

/** Paths under `/v1/auth/` that are Gatehouse's own: no provider may take them. */
const RESERVED = new Set(['login', 'register', 'refresh', 'logout', 'me', 'password', 'check', 'validate', 'social', 'callback']);

/** https, or http on a loopback host only (tests, local providers). */
export function providerUrl(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}: expected a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${where}: not a URL`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new Error(`${where}: must be https (http only for loopback)`);
  return value.replace(/\/+$/, '');
}

const KEYS = new Set([
  'id',
  'kind',
  'name',
  'clientId',
  'clientSecret',
  'clientSecretFile',
  'issuer',
  'scopes',
  'authorizationUrl',
  'tokenUrl',
  'apiUrl',
]);

/** Validates one provider entry; `google` and `github` ids fill in their presets. */
export function checkProvider(item: unknown, where: string): SocialProviderConfig {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new Error(`${where}: expected an object`);
  const o = item as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new Error(`${where}: unknown key "${k}"`);
  if (typeof o.id !== 'string' || !/^[a-z][a-z0-9-]{1,31}$/.test(o.id))
    throw new Error(`${where}.id: lower-case letters, digits and dashes, 2 to 32 characters`);
  if (RESERVED.has(o.id)) throw new Error(`${where}.id: "${o.id}" is a Gatehouse path`);
  const kind = o.kind ?? (o.id === 'github' ? 'github' : 'oidc');
  if (kind !== 'oidc' && kind !== 'github') throw new Error(`${where}.kind: one of oidc, github`);
  if (typeof o.clientId !== 'string' || o.clientId === '') throw new Error(`${where}.clientId: required string`);
  for (const k of ['clientSecret', 'clientSecretFile', 'name'] as const) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) throw new Error(`${where}.${k}: expected a non-empty string`);
  }
  if (o.clientSecret !== undefined && o.clientSecretFile !== undefined)
    throw new Error(`${where}: set one of clientSecret and clientSecretFile, not both`);
  if (o.clientSecret === undefined && o.clientSecretFile === undefined)
    throw new Error(`${where}: clientSecret or clientSecretFile is required`);
  if (
    o.scopes !== undefined &&
    (!Array.isArray(o.scopes) || o.scopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))
  )
    throw new Error(`${where}.scopes: expected an array of scope strings`);
  const preset = PRESETS[o.id];
  const url = (k: 'issuer' | 'authorizationUrl' | 'tokenUrl' | 'apiUrl') => {
    const v = o[k] ?? (preset?.kind === kind ? preset[k] : undefined);
    return v === undefined ? undefined : providerUrl(v, `${where}.${k}`);
  };
  const out: SocialProviderConfig =
    kind === 'oidc'
      ? {
          id: o.id,
          kind,
          name: (o.name as string | undefined) ?? preset?.name ?? o.id,
          clientId: o.clientId,
          issuer: url('issuer') ?? missing(`${where}.issuer`),
          scopes: (o.scopes as string[] | undefined) ?? ['openid', 'email', 'profile'],
        }
      : {
          id: o.id,
          kind,
          name: (o.name as string | undefined) ?? preset?.name ?? o.id,
          clientId: o.clientId,
          authorizationUrl: url('authorizationUrl') ?? missing(`${where}.authorizationUrl`),
          tokenUrl: url('tokenUrl') ?? missing(`${where}.tokenUrl`),
          apiUrl: url('apiUrl') ?? missing(`${where}.apiUrl`),
          scopes: (o.scopes as string[] | undefined) ?? ['read:user', 'user:email'],
        };
  if (kind === 'oidc' && !(out.scopes ?? []).includes('openid')) throw new Error(`${where}.scopes: an OIDC provider needs "openid"`);
  return Object.freeze({
    ...out,
    ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret as string } : {}),
    ...(o.clientSecretFile !== undefined ? { clientSecretFile: o.clientSecretFile as string } : {}),
  });
}

function missing(where: string): never {
  throw new Error(`${where}: required`);
}

/** What the `google` and `github` ids mean unless the entry says otherwise. */
const PRESETS: Readonly<
  Record<string, { kind: SocialKind; name: string; issuer?: string; authorizationUrl?: string; tokenUrl?: string; apiUrl?: string }>
> = {
  google: { kind: 'oidc', name: 'Google', issuer: 'https://accounts.google.com' },
  github: {
    kind: 'github',
    name: 'GitHub',
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    apiUrl: 'https://api.github.com',
  },
};

function checkProviders(raw: unknown): readonly SocialProviderConfig[] {
  if (!Array.isArray(raw)) throw new Error(`expected an array of providers, got ${describe(raw)}`);
  const list = raw.map((item, i) => checkProvider(item, `socialProviders[${i}]`));
  const ids = new Set<string>();
  for (const p of list) {
    if (ids.has(p.id)) throw new Error(`socialProviders: "${p.id}" appears twice`);
    ids.add(p.id);
  }
  return Object.freeze(list);
}

const url = (doc: string, fallback: string) =>
  string<string>({ doc, default: fallback, pattern: /^https?:\/\//, patternDoc: 'an http(s) URL (http only for loopback)' });

/**
 * Upstream sign-in: Google, GitHub and any OpenID Connect provider. Google and GitHub can be set
 * with environment variables alone; other providers (and several of them) go in `socialProviders`.
 */
export const socialOptions = {
  socialProviders: structured<readonly SocialProviderConfig[]>({
    kind: 'array',
    doc: 'Sign-in providers (config file): `[{"id", "clientId", "clientSecret" | "clientSecretFile", "kind"?: "oidc" | "github", "issuer"? (oidc), "name"?, "scopes"?, "authorizationUrl"?, "tokenUrl"?, "apiUrl"? (github)}]`. The ids `google` and `github` take their presets (Google\'s issuer; GitHub\'s endpoints). Each is served at `/v1/auth/{id}`; register `{publicUrl}/v1/auth/{id}/callback` as the redirect URI at the provider. See docs/oauth.md.',
    default: [],
    secret: true,
    check: checkProviders,
  }),
  googleClientId: string<string | undefined>({
    doc: 'Client id of a Google OAuth client: enables "Sign in with Google" at `/v1/auth/google` (and `/api/v1/auth/google`).',
    default: undefined,
    minLength: 1,
  }),
  googleClientSecret: string<string | undefined>({ doc: "The Google client's secret.", default: undefined, secret: true, minLength: 1 }),
  googleClientSecretFile: string<string | undefined>({
    doc: "A file holding the Google client's secret, instead of `googleClientSecret`.",
    default: undefined,
    minLength: 1,
  }),
  googleIssuer: url(
    "Google's issuer (its discovery document names the endpoints); changed only to test against a local provider.",
    'https://accounts.google.com',
  ),
  githubClientId: string<string | undefined>({
    doc: 'Client id of a GitHub OAuth app: enables "Sign in with GitHub" at `/v1/auth/github` (and `/api/v1/auth/github`).',
    default: undefined,
    minLength: 1,
  }),
  githubClientSecret: string<string | undefined>({ doc: "The GitHub OAuth app's secret.", default: undefined, secret: true, minLength: 1 }),
  githubClientSecretFile: string<string | undefined>({
    doc: "A file holding the GitHub OAuth app's secret, instead of `githubClientSecret`.",
    default: undefined,
    minLength: 1,
  }),
  githubAuthorizationUrl: url(
    "GitHub's authorization endpoint (GitHub Enterprise, or a local test server).",
    'https://github.com/login/oauth/authorize',
  ),
  githubTokenUrl: url("GitHub's token endpoint.", 'https://github.com/login/oauth/access_token'),
  githubApiUrl: url("GitHub's API base URL (`/user` and `/user/emails` are read from it).", 'https://api.github.com'),
  socialFlowTtl: duration({
    doc: 'How long a started provider sign-in may take before its callback is refused.',
    default: 600,
    min: 30,
    max: 3600,
  }),
} as const;
