import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.ts';
import { checkProvider, type SocialProviderConfig } from '../config/options/social.ts';

/** A configured sign-in provider with its client secret loaded. The secret never leaves this object. */
export interface SocialProvider {
  readonly config: SocialProviderConfig;
  readonly clientSecret: string;
}

function secretOf(p: SocialProviderConfig, where: string): string {
  if (p.clientSecret !== undefined) return p.clientSecret;
  try {
    const value = readFileSync(p.clientSecretFile ?? '', 'utf8').replace(/\r?\n$/, '');
    if (value === '') throw new Error(`${where}: the secret file is empty`);
    return value;
  } catch (err) {
    if (err instanceof Error && !('code' in err)) throw err;
    throw new Error(`${where}: cannot read the client secret file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** The `google*` and `github*` settings as provider entries (when their client id is set). */
function fromSettings(c: Config): SocialProviderConfig[] {
  const out: SocialProviderConfig[] = [];
  const secret = (inline: string | undefined, file: string | undefined) => ({
    ...(inline !== undefined ? { clientSecret: inline } : {}),
    ...(file !== undefined ? { clientSecretFile: file } : {}),
  });
  if (c.googleClientId !== undefined)
    out.push(
      checkProvider(
        { id: 'google', clientId: c.googleClientId, issuer: c.googleIssuer, ...secret(c.googleClientSecret, c.googleClientSecretFile) },
        'googleClientId',
      ),
    );
  if (c.githubClientId !== undefined)
    out.push(
      checkProvider(
        {
          id: 'github',
          clientId: c.githubClientId,
          authorizationUrl: c.githubAuthorizationUrl,
          tokenUrl: c.githubTokenUrl,
          apiUrl: c.githubApiUrl,
          ...secret(c.githubClientSecret, c.githubClientSecretFile),
        },
        'githubClientId',
      ),
    );
  return out;
}

const resolved = new WeakMap<Config, ReadonlyMap<string, SocialProvider>>();

/**
 * Every configured provider by id, secrets loaded, resolved once per configuration. Throws at
 * start when a provider is set twice or a secret file cannot be read.
 */
export function socialProviders(config: Config): ReadonlyMap<string, SocialProvider> {
  const known = resolved.get(config);
  if (known) return known;
  const map = new Map<string, SocialProvider>();
  for (const p of [...config.socialProviders, ...fromSettings(config)]) {
    if (map.has(p.id)) throw new Error(`sign-in provider "${p.id}" is configured twice (socialProviders and the ${p.id}* settings)`);
    map.set(p.id, Object.freeze({ config: p, clientSecret: secretOf(p, `sign-in provider "${p.id}"`) }));
  }
  resolved.set(config, map);
  return map;
}

/** The buttons of the sign-in page: id and label of each provider, in configuration order. */
export function providerButtons(config: Config): { id: string; name: string }[] {
  return [...socialProviders(config).values()].map((p) => ({ id: p.config.id, name: p.config.name }));
}
