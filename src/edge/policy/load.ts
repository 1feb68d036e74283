import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type ParseOptions, PolicyError, parsePolicy } from './parse.ts';
import type { RoutePolicy } from './types.ts';

const MAX_BYTES = 1_048_576;

/** The YAML parser, loaded only when a YAML policy is read (it is large, and most processes never need it). */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text, { uniqueKeys: true, maxAliasCount: 100 });
}

/** The first line of a parser message, without the code frame YAML appends. */
const firstLine = (message: string) => (message.split('\n')[0] ?? message).replace(/:$/, '');

/**
 * Reads and validates a route policy file: `.json` is JSON, anything else YAML (a superset of
 * JSON). Throws `PolicyError` with the file name and every problem, including syntax errors with
 * their line.
 *
 * @example
 * const policy = loadPolicyFile('policy.yaml', { tiers: Object.keys(config.rateLimitTiers) });
 */
export function loadPolicyFile(file: string, opts: Omit<ParseOptions, 'source'>): RoutePolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyError(file, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  if (Buffer.byteLength(text) > MAX_BYTES) throw new PolicyError(file, ['is larger than 1 MiB']);
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new PolicyError(file, [`syntax: ${firstLine((err as Error).message)}`]);
  }
  return parsePolicy(doc, { ...opts, source: file });
}
