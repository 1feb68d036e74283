import { assertMemorySpace, authorize, resolveMemorySpace } from '../authorization/index.ts';
import { bearerChallenge, GatehouseError } from '../errors/index.ts';
import type { Principal } from '../pipeline/principal.ts';
import type { Decision } from '../ratelimit/gcra.ts';
import { rateLimitHeaders } from '../ratelimit/headers.ts';
import type { LimitContext, Maybe, RouteLimit } from '../ratelimit/limiter.ts';
import type { Services } from '../services.ts';
import { identityHeaders } from './identity-headers.ts';
import type { OriginalRequest } from './original-request.ts';
import { type LivePolicy, matchRoute, type Rule } from './policy/index.ts';

/** A request to decide on, framework-free: the original request plus what the pipeline reads. */
export interface EdgeRequest extends OriginalRequest, LimitContext {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawHeaders?: readonly string[];
}

/** An allowed request: who (none on a public rule), by which rule, and the headers to pass on. */
export interface EdgeDecision {
  readonly principal?: Principal;
  readonly rule?: Rule;
  readonly memorySpace?: string;
  /** `X-Gatehouse-*` identity headers (for the upstream) and rate-limit headers (for the client). */
  readonly identity: Readonly<Record<string, string>>;
  readonly rateLimit: Readonly<Record<string, string>>;
}

export interface EdgeDeps {
  readonly services: Services;
  readonly policy: LivePolicy;
  readonly realm: string;
}

type Headers = Record<string, string>;

/** Applies a rate-limit decision: its headers, or a 429 carrying them. */
function limited(d: Decision | undefined, now: number): Headers {
  if (d === undefined) return {};
  const headers = rateLimitHeaders(d, now);
  if (!d.allowed)
    throw new GatehouseError('rate_limited', `Rate limit of ${d.policy.limit} requests per minute exceeded`, {
      retryAfter: d.retryAfterMs / 1000,
      headers,
    });
  return headers;
}

const settle = async <T>(v: Maybe<T>): Promise<T> => (v instanceof Promise ? await v : v);

/** The same error with the rule's RFC 9728 `resource_metadata` added to its 401 challenge, and `headers` merged in. */
function withContext(err: unknown, rule: Rule | undefined, realm: string, headers: Headers): unknown {
  if (!(err instanceof GatehouseError)) return err;
  const challenge = bearerChallenge(err, realm);
  const extra: Headers = { ...headers, ...err.extras.headers };
  if (challenge !== undefined && err.status === 401 && rule?.resourceMetadata !== undefined)
    extra['www-authenticate'] = `${challenge}, resource_metadata="${rule.resourceMetadata}"`;
  if (Object.keys(extra).length === 0) return err;
  return new GatehouseError(err.error, err.detail, { ...err.extras, headers: extra }, { cause: err.cause });
}

/** The memory space a rule reads from the request (path parameter, header or query). */
function namedSpace(rule: Rule, params: Readonly<Record<string, string>>, req: EdgeRequest): string | undefined {
  const s = rule.memorySpace;
  if (s === undefined) return undefined;
  if (s.from === 'param') return params[s.name];
  if (s.from === 'header') {
    const v = req.headers[s.name];
    if (Array.isArray(v)) throw new GatehouseError('bad_request', `${s.name} was sent more than once`);
    return v === '' ? undefined : v;
  }
  const all = new URLSearchParams(req.query).getAll(s.name);
  if (all.length > 1) throw new GatehouseError('bad_request', `Query parameter ${s.name.slice(0, 64)} was sent more than once`);
  return all[0] === '' ? undefined : all[0];
}

/**
 * The edge decision, shared by `/v1/forward-auth` and `gatehouse proxy`: policy match → (public:
 * client-IP limit) or extract → verify → Principal → rate-limit → authorize (rule scopes and memory
 * space). Resolves to what to pass on, or throws the GatehouseError to answer (401/403/429/400),
 * with rate-limit headers and the rule's `resource_metadata` in the challenge.
 *
 * @example
 * const d = await decideEdge(deps, { method: 'GET', host: 'api', path: '/v1/x', query: '', headers, ip });
 */
export async function decideEdge(deps: EdgeDeps, req: EdgeRequest): Promise<EdgeDecision> {
  const { services, policy, realm } = deps;
  const { authenticator, limits, metrics, clock } = services;
  const match = matchRoute(policy.current(), req);
  if (match.kind === 'invalid') throw new GatehouseError('original_request_invalid', `Refused to match: ${match.reason}`);
  if (match.kind === 'unmatched' && match.unmatched === 'deny') throw new GatehouseError('route_not_allowed');
  const rule = match.kind === 'rule' ? match.rule : undefined;
  const routeLimit: RouteLimit | undefined = rule?.rateLimit !== undefined ? { route: rule.name, tier: rule.rateLimit } : undefined;
  const limiter = limits.limiter;

  if (rule?.public) {
    const rateLimit = limiter.enabled ? limited(await settle(limiter.limitAnonymous(req, routeLimit)), clock.now()) : {};
    return { rule, identity: {}, rateLimit };
  }

  const started = process.hrtime.bigint();
  let principal: Principal;
  try {
    principal = await authenticator.authenticate({ headers: req.headers, rawHeaders: req.rawHeaders, query: req.query, ip: req.ip });
  } catch (err) {
    const outcome = err instanceof GatehouseError ? err.error : 'error';
    metrics.authDecisions.inc({ kind: outcome === 'credentials_missing' ? 'none' : 'unverified', outcome });
    const ipHeaders = limiter.enabled ? limited(await settle(limiter.limitAnonymous(req)), clock.now()) : {};
    throw withContext(err, rule, realm, ipHeaders);
  }
  metrics.verifyDuration.observe({ kind: principal.kind }, Number(process.hrtime.bigint() - started) / 1e9);
  const rateLimit = limiter.enabled ? limited(await settle(limiter.limitPrincipal(principal, req, routeLimit)), clock.now()) : {};
  let memorySpace: string | undefined;
  try {
    authorize(principal, { scopes: rule?.scopes ?? [] });
    const header = req.headers['x-memory-space'];
    if (typeof header === 'string' && header !== '') assertMemorySpace(principal, header);
    if (rule?.memorySpace !== undefined)
      memorySpace = resolveMemorySpace(
        principal,
        namedSpace(rule, match.kind === 'rule' ? match.params : {}, req),
        rule.memorySpace.required,
      );
    else if (typeof header === 'string' && header !== '') memorySpace = header;
  } catch (err) {
    metrics.authDecisions.inc({ kind: principal.kind, outcome: err instanceof GatehouseError ? err.error : 'error' });
    throw withContext(err, rule, realm, rateLimit);
  }
  metrics.authDecisions.inc({ kind: principal.kind, outcome: 'allowed' });
  return {
    principal,
    ...(rule !== undefined ? { rule } : {}),
    ...(memorySpace !== undefined ? { memorySpace } : {}),
    identity: identityHeaders(principal, memorySpace),
    rateLimit,
  };
}
