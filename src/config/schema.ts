import type { Option, OptionValue } from './option.ts';
import { auditOptions } from './options/audit.ts';
import { authOptions } from './options/auth.ts';
import { edgeOptions } from './options/edge.ts';
import { externalOptions } from './options/external.ts';
import { keysOptions } from './options/keys.ts';
import { limitsOptions } from './options/limits.ts';
import { metricsOptions } from './options/metrics.ts';
import { oauthOptions } from './options/oauth.ts';
import { senderOptions } from './options/sender.ts';
import { serverOptions } from './options/server.ts';
import { sharedSecretOptions } from './options/shared-secret.ts';
import { socialOptions } from './options/social.ts';
import { storageOptions } from './options/storage.ts';
import { tokenOptions } from './options/tokens.ts';

/**
 * Every configuration option, in resolution order (a computed default may read earlier ones).
 * Each section lives in `options/<section>.ts`.
 */
export const configSchema = {
  ...serverOptions,
  ...storageOptions,
  ...tokenOptions,
  ...authOptions,
  ...externalOptions,
  ...sharedSecretOptions,
  ...keysOptions,
  ...limitsOptions,
  ...metricsOptions,
  ...auditOptions,
  ...edgeOptions,
  ...oauthOptions,
  ...socialOptions,
  ...senderOptions,
} as const satisfies Record<string, Option<unknown>>;

export type ConfigKey = keyof typeof configSchema;

/** The validated, frozen configuration. */
export type Config = { readonly [K in ConfigKey]: OptionValue<(typeof configSchema)[K]> };

/** `publicUrl` → `GATEHOUSE_PUBLIC_URL`. */
export function envName(key: string): string {
  return `GATEHOUSE_${key
    .replace(/([A-Z0-9])/g, (c) => `_${c}`)
    .replace(/_([0-9])/g, '$1')
    .toUpperCase()}`;
}
