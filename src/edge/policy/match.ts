import { matchSegments, splitPath } from './pattern.ts';
import type { RoutePolicy, Rule } from './types.ts';

/** The request facts a policy matches on. */
export interface RouteRequest {
  readonly method: string;
  /** The Host the client asked for, possibly with `:port`. */
  readonly host: string;
  /** The raw path, without the query. */
  readonly path: string;
}

export type RouteMatch =
  | { readonly kind: 'rule'; readonly rule: Rule; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'unmatched'; readonly unmatched: RoutePolicy['unmatched'] }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Why one rule did or did not match, for `gatehouse policy explain`. */
export interface RuleVerdict {
  readonly rule: string;
  readonly matched: boolean;
  readonly reason: string;
}

function hostMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase();
  const target = pattern.includes(':') ? h : h.replace(/:\d+$/, '');
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    return target.endsWith(suffix) && target.length > suffix.length && !target.slice(0, -suffix.length).includes('.');
  }
  return target === pattern;
}

function methodMatches(methods: readonly string[] | undefined, method: string): boolean {
  if (methods === undefined) return true;
  const m = method.toUpperCase();
  return methods.includes(m) || (m === 'HEAD' && methods.includes('GET'));
}

function verdict(rule: Rule, req: RouteRequest, segments: readonly string[]): { params?: Record<string, string>; reason: string } {
  if (rule.host !== undefined && !hostMatches(rule.host, req.host)) return { reason: `host "${req.host}" is not ${rule.host}` };
  if (!methodMatches(rule.methods, req.method)) return { reason: `method ${req.method} is not ${rule.methods?.join('|')}` };
  const params = matchSegments(rule.segments, segments);
  if (params === undefined) return { reason: `path does not match ${rule.path}` };
  return { params, reason: 'host, method and path match' };
}

/**
 * The first rule (in file order) whose host, method and path match; else the policy's
 * `unmatched` answer. A path that could be read two ways (dot segments, encoded slashes) is
 * `invalid`, never matched.
 *
 * @example
 * matchRoute(policy, { method: 'GET', host: 'api.example.com', path: '/v1/spaces/acme/recall' });
 */
export function matchRoute(policy: RoutePolicy, req: RouteRequest): RouteMatch {
  const segments = splitPath(req.path);
  if (typeof segments === 'string') return { kind: 'invalid', reason: segments };
  for (const rule of policy.rules) {
    if (rule.host !== undefined && !hostMatches(rule.host, req.host)) continue;
    if (!methodMatches(rule.methods, req.method)) continue;
    const params = matchSegments(rule.segments, segments);
    if (params !== undefined) return { kind: 'rule', rule, params };
  }
  return { kind: 'unmatched', unmatched: policy.unmatched };
}

/** Every rule's verdict up to and including the first match (for explanations). */
export function explainRoute(policy: RoutePolicy, req: RouteRequest): { match: RouteMatch; verdicts: RuleVerdict[] } {
  const match = matchRoute(policy, req);
  const segments = splitPath(req.path);
  const verdicts: RuleVerdict[] = [];
  if (typeof segments === 'string') return { match, verdicts };
  for (const rule of policy.rules) {
    const v = verdict(rule, req, segments);
    verdicts.push({ rule: rule.name, matched: v.params !== undefined, reason: v.reason });
    if (v.params !== undefined) break;
  }
  return { match, verdicts };
}
