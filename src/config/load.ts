import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, type Option } from './option.ts';
import { type Config, type ConfigKey, configSchema, envName } from './schema.ts';

/** Thrown when configuration is invalid; `problems` holds one precise message per fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface LoadOptions {
  /** Environment to read; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Config file path; defaults to `$GATEHOUSE_CONFIG` or `./gatehouse.config.json` if present. */
  file?: string;
  /** Values that win over file and environment (used by tests and the programmatic API). */
  overrides?: Partial<Record<ConfigKey, unknown>>;
}

/** Environment variables that are not options but are understood. */
const NON_OPTION_ENV = new Set(['GATEHOUSE_CONFIG']);

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return bestScore <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

function readFile(path: string, problems: string[]): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    problems.push(`${path}: ${(err as Error).message}`);
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(`${path}: expected a JSON object, got ${describe(parsed)}`);
    return {};
  }
  return parsed as Record<string, unknown>;
}

/**
 * Resolves the configuration once: defaults, then the config file, then `GATEHOUSE_*` variables
 * (and their legacy aliases), then overrides. Unknown keys and variables are rejected with a
 * suggestion; every problem is reported at once. The result is frozen.
 *
 * @example
 * const config = loadConfig({ env: { GATEHOUSE_PORT: '9000' } });
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const keys = Object.keys(configSchema) as ConfigKey[];
  const envNames = new Map(keys.map((k) => [envName(k), k] as const));

  const filePath = opts.file ?? env.GATEHOUSE_CONFIG ?? (existsSync('gatehouse.config.json') ? 'gatehouse.config.json' : undefined);
  const fromFile = filePath === undefined ? {} : readFile(resolve(filePath), problems);
  for (const k of Object.keys(fromFile)) {
    if (k === '$schema') continue;
    if (!(k in configSchema)) {
      const hint = closest(k, keys);
      problems.push(`${filePath}: unknown option "${k}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('GATEHOUSE_') && !envNames.has(name) && !NON_OPTION_ENV.has(name)) {
      const hint = closest(name, [...envNames.keys()]);
      problems.push(`unknown environment variable ${name}${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
  }

  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const option: Option<unknown> = configSchema[key];
    let raw: unknown;
    let source = '';
    const envKey = envName(key);
    if (opts.overrides && key in opts.overrides) {
      raw = opts.overrides[key];
      source = `option ${key}`;
    } else if (!option.fileOnly && env[envKey] !== undefined) {
      raw = env[envKey];
      source = envKey;
    } else if (!option.fileOnly && option.aliases?.some((a) => env[a] !== undefined)) {
      const alias = option.aliases.find((a) => env[a] !== undefined) as string;
      raw = env[alias];
      source = alias;
    } else if (key in fromFile) {
      raw = fromFile[key];
      source = `${filePath}: "${key}"`;
    }
    if (source === '' || raw === undefined) {
      out[key] = typeof option.default === 'function' ? (option.default as (p: Record<string, unknown>) => unknown)(out) : option.default;
      continue;
    }
    try {
      out[key] = option.parse(raw);
    } catch (err) {
      problems.push(`${source}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as Config;
}
