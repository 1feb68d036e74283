import { isValidScope } from '../../authorization/index.ts';
import { compilePattern } from './pattern.ts';
import type { RoutePolicy, Rule, SpaceSource, Unmatched } from './types.ts';

/** A route policy that cannot be used; `problems` lists each one as `where: what`. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`route policy ${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface ParseOptions {
  /** Where the document came from, for messages. */
  readonly source: string;
  /** The configured rate-limit tiers a rule may name. */
  readonly tiers: readonly string[];
}

const RULE_KEYS = ['name', 'host', 'methods', 'path', 'public', 'scopes', 'memory_space', 'rate_limit', 'resource_metadata'];
const METHOD = /^[A-Z]{1,16}$/;
const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/;
const HEADER = /^[A-Za-z0-9-]{1,64}$/;
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

/**
 * Validates a parsed policy document (from YAML or JSON) and returns the frozen policy, or throws
 * a `PolicyError` listing every problem with its place (`rules[2].scopes[0]: …`).
 *
 * @example
 * parsePolicy({ version: 1, rules: [{ path: '/health', public: true }] }, { source: 'inline', tiers: [] });
 */
export function parsePolicy(doc: unknown, opts: ParseOptions): RoutePolicy {
  const problems: string[] = [];
  const fail = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!isObject(doc)) throw new PolicyError(opts.source, ['(top level): expected an object with `version` and `rules`']);
  for (const key of Object.keys(doc))
    if (!['version', 'unmatched', 'rules'].includes(key)) fail(key, 'unknown key (expected version, unmatched, rules)');
  if (doc.version !== 1) fail('version', `must be 1, got ${show(doc.version)}`);
  let unmatched: Unmatched = 'deny';
  if (doc.unmatched !== undefined) {
    if (doc.unmatched === 'deny' || doc.unmatched === 'authenticate') unmatched = doc.unmatched;
    else fail('unmatched', `must be "deny" or "authenticate", got ${show(doc.unmatched)}`);
  }
  const rules: Rule[] = [];
  if (!Array.isArray(doc.rules)) fail('rules', 'must be a list of rules');
  else if (doc.rules.length > 1000) fail('rules', 'at most 1000 rules');
  else {
    const names = new Set<string>();
    doc.rules.forEach((raw: unknown, i: number) => {
      const rule = parseRule(raw, `rules[${i}]`, opts, fail);
      if (rule === undefined) return;
      if (names.has(rule.name)) fail(`rules[${i}].name`, `"${rule.name}" is used by an earlier rule`);
      names.add(rule.name);
      rules.push(rule);
    });
  }
  if (problems.length > 0) throw new PolicyError(opts.source, problems);
  return Object.freeze({ source: opts.source, unmatched, rules: Object.freeze(rules) });
}

function parseRule(raw: unknown, at: string, opts: ParseOptions, fail: (where: string, what: string) => void): Rule | undefined {
  if (!isObject(raw)) {
    fail(at, 'must be an object with at least `path`');
    return undefined;
  }
  let ok = true;
  const bad = (key: string, what: string) => {
    ok = false;
    fail(`${at}.${key}`, what);
  };
  for (const key of Object.keys(raw)) if (!RULE_KEYS.includes(key)) bad(key, `unknown key (expected ${RULE_KEYS.join(', ')})`);

  const name = raw.name === undefined ? at : raw.name;
  if (raw.name !== undefined && (typeof name !== 'string' || !NAME.test(name))) bad('name', 'must be 1-64 letters, digits, _ . : or -');

  let host: string | undefined;
  if (raw.host !== undefined) {
    if (typeof raw.host !== 'string' || !HOST.test(raw.host.toLowerCase()))
      bad('host', `must be a host name, "*.domain" or either with ":port", got ${show(raw.host)}`);
    else host = raw.host.toLowerCase();
  }

  let methods: string[] | undefined;
  if (raw.methods !== undefined) {
    const list = typeof raw.methods === 'string' ? [raw.methods] : raw.methods;
    if (!Array.isArray(list) || list.length === 0) bad('methods', 'must be a method or a non-empty list of methods');
    else {
      methods = [];
      list.forEach((m: unknown, j: number) => {
        if (typeof m !== 'string' || !METHOD.test(m.toUpperCase())) bad(`methods[${j}]`, `not an HTTP method: ${show(m)}`);
        else methods?.push(m.toUpperCase());
      });
    }
  }

  const path = raw.path;
  let segments: Rule['segments'] = [];
  if (typeof path !== 'string') bad('path', 'is required: a pattern like "/v1/spaces/:space/**"');
  else {
    try {
      segments = compilePattern(path);
    } catch (err) {
      bad('path', (err as Error).message);
    }
  }

  const isPublic = raw.public ?? false;
  if (typeof isPublic !== 'boolean') bad('public', 'must be true or false');

  const scopes: string[] = [];
  if (raw.scopes !== undefined) {
    const list = typeof raw.scopes === 'string' ? raw.scopes.split(' ').filter(Boolean) : raw.scopes;
    if (!Array.isArray(list)) bad('scopes', 'must be a list of scopes');
    else
      list.forEach((s: unknown, j: number) => {
        if (typeof s !== 'string' || !isValidScope(s)) bad(`scopes[${j}]`, `not a valid scope: ${show(s)}`);
        else scopes.push(s);
      });
  }

  const memorySpace =
    raw.memory_space === undefined ? undefined : parseSpace(raw.memory_space, segments, (what) => bad('memory_space', what));

  let rateLimit: string | undefined;
  if (raw.rate_limit !== undefined) {
    if (typeof raw.rate_limit !== 'string' || !opts.tiers.includes(raw.rate_limit))
      bad('rate_limit', `${show(raw.rate_limit)} is not a configured tier (configured: ${opts.tiers.join(', ') || 'none'})`);
    else rateLimit = raw.rate_limit;
  }

  let resourceMetadata: string | undefined;
  if (raw.resource_metadata !== undefined) {
    if (typeof raw.resource_metadata !== 'string' || !/^https?:\/\/[^\s"\\]+$/.test(raw.resource_metadata))
      bad('resource_metadata', 'must be an http(s) URL (the RFC 9728 metadata document)');
    else resourceMetadata = raw.resource_metadata;
  }

  if (isPublic === true && (scopes.length > 0 || raw.memory_space !== undefined))
    bad('public', 'a public rule takes no credential, so it cannot require scopes or a memory space');

  if (!ok || typeof name !== 'string' || typeof path !== 'string') return undefined;
  return Object.freeze({
    name,
    path,
    segments: Object.freeze(segments),
    public: isPublic === true,
    scopes: Object.freeze(scopes),
    ...(host !== undefined ? { host } : {}),
    ...(methods !== undefined ? { methods: Object.freeze(methods) } : {}),
    ...(memorySpace !== undefined ? { memorySpace } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    ...(resourceMetadata !== undefined ? { resourceMetadata } : {}),
  });
}

function parseSpace(raw: unknown, segments: Rule['segments'], bad: (what: string) => void): SpaceSource | undefined {
  if (!isObject(raw)) {
    bad('must be an object: { param: NAME } | { header: NAME } | { query: NAME }, with optional required: false');
    return undefined;
  }
  const { required = true, ...rest } = raw;
  const keys = Object.keys(rest);
  const from = keys[0];
  if (keys.length !== 1 || (from !== 'param' && from !== 'header' && from !== 'query')) {
    bad('needs exactly one of param, header or query (and optionally required)');
    return undefined;
  }
  const name = rest[from];
  if (typeof required !== 'boolean') {
    bad('required must be true or false');
    return undefined;
  }
  if (typeof name !== 'string' || name === '' || (from === 'header' && !HEADER.test(name)) || name.length > 64) {
    bad(`${from} must be a name (1-64 characters${from === 'header' ? ': letters, digits, -' : ''})`);
    return undefined;
  }
  if (from === 'param' && !segments.some((s) => s.kind === 'param' && s.name === name)) {
    bad(`the path has no parameter ":${name}"`);
    return undefined;
  }
  return Object.freeze({ from, name: from === 'header' ? name.toLowerCase() : name, required });
}
