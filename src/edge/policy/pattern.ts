import type { Segment } from './types.ts';

const PARAM = /^:([A-Za-z_][A-Za-z0-9_]{0,63})$/;

/**
 * Compiles a path pattern: literal segments, `:name` (one segment, captured), `*` (one segment),
 * `**` (the rest, zero or more segments; last only). Throws a message naming the bad segment.
 *
 * @example
 * compilePattern('/v1/spaces/:space/memories/**');
 */
export function compilePattern(path: string): Segment[] {
  if (!path.startsWith('/')) throw new Error('must start with "/"');
  if (path.length > 1024) throw new Error('is longer than 1024 characters');
  const parts = path === '/' ? [] : path.slice(1).replace(/\/$/, '').split('/');
  const seen = new Set<string>();
  return parts.map((part, i): Segment => {
    if (part === '') throw new Error(`has an empty segment at position ${i + 1}`);
    if (part === '**') {
      if (i !== parts.length - 1) throw new Error('"**" may only be the last segment');
      return { kind: 'rest' };
    }
    if (part === '*') return { kind: 'any' };
    if (part.startsWith(':')) {
      const m = PARAM.exec(part);
      if (!m?.[1]) throw new Error(`segment "${part}": a parameter is ":" and a name of letters, digits or _`);
      if (seen.has(m[1])) throw new Error(`parameter ":${m[1]}" appears twice`);
      seen.add(m[1]);
      return { kind: 'param', name: m[1] };
    }
    if (part.includes('*')) throw new Error(`segment "${part}": "*" must be a whole segment`);
    if (part === '.' || part === '..') throw new Error(`segment "${part}" is a dot segment`);
    let value: string;
    try {
      value = decodeURIComponent(part);
    } catch {
      throw new Error(`segment "${part}" is not valid percent-encoding`);
    }
    return { kind: 'literal', value };
  });
}

/** The decoded segments of a request path; `undefined` when the path is unsafe to match (see `splitPath`). */
export type PathSegments = readonly string[];

/**
 * Splits a request path into decoded segments, refusing what a proxy and an upstream might read
 * differently: dot segments (also percent-encoded), encoded `/` or `\`, backslashes, NUL, empty
 * segments. A single trailing slash is ignored. Returns the reason as a string when refused.
 */
export function splitPath(path: string): PathSegments | string {
  if (!path.startsWith('/')) return 'the path must start with "/"';
  if (/[\\\0]|%(?:2f|5c|00)/i.test(path)) return 'the path contains an encoded slash, a backslash or NUL';
  const parts = path === '/' ? [] : path.slice(1).replace(/\/$/, '').split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '') return 'the path contains an empty segment ("//")';
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return 'the path is not valid percent-encoding';
    }
    if (decoded === '.' || decoded === '..') return 'the path contains a dot segment';
    out.push(decoded);
  }
  return out;
}

/** Matches decoded segments against a pattern; the captured parameters, or undefined. */
export function matchSegments(pattern: readonly Segment[], segments: PathSegments): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === undefined) break;
    if (p.kind === 'rest') return params;
    const s = segments[i];
    if (s === undefined) return undefined;
    if (p.kind === 'literal' && p.value !== s) return undefined;
    if (p.kind === 'param') params[p.name] = s;
  }
  return segments.length === pattern.length ? params : undefined;
}
