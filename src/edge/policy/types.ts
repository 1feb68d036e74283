/** One segment of a path pattern. */
export type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'rest' };

/** Where a rule finds the memory space a request acts in. */
export interface SpaceSource {
  readonly from: 'param' | 'header' | 'query';
  /** Parameter name, header name (lower-cased) or query parameter. */
  readonly name: string;
  /** A request that names none is `memory_space_required` (400), unless the credential has exactly one space. */
  readonly required: boolean;
}

/** A validated rule of the route policy. */
export interface Rule {
  /** Unique within the policy; `rules[i]` when the file gives none. */
  readonly name: string;
  /** Lower-cased host pattern (`api.example.com`, `*.example.com`, with or without `:port`), or undefined for any host. */
  readonly host?: string;
  /** Upper-cased methods, or undefined for every method. GET also matches HEAD. */
  readonly methods?: readonly string[];
  /** The pattern as written. */
  readonly path: string;
  readonly segments: readonly Segment[];
  /** No credential needed; counted against the client IP. */
  readonly public: boolean;
  readonly scopes: readonly string[];
  readonly memorySpace?: SpaceSource;
  /** A configured rate-limit tier: callers of this rule get their own bucket under it. */
  readonly rateLimit?: string;
  /** RFC 9728 protected-resource metadata URL, named in this rule's 401 challenges. */
  readonly resourceMetadata?: string;
}

/** What to do with a request no rule matches. */
export type Unmatched = 'deny' | 'authenticate';

/** A validated, frozen route policy. */
export interface RoutePolicy {
  /** Where it was read from, for messages. */
  readonly source: string;
  readonly unmatched: Unmatched;
  readonly rules: readonly Rule[];
}

/** The implicit policy without a file: every request needs a valid credential, no scope. */
export const AUTHENTICATE_ALL: RoutePolicy = Object.freeze({ source: '(none)', unmatched: 'authenticate', rules: Object.freeze([]) });
