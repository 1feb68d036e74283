import { createHash } from 'node:crypto';
import type { AuditLog } from '../audit/audit.ts';
import type { Config } from '../config/index.ts';
import type { RateLimitLayer } from '../config/options/limits.ts';
import { GatehouseError } from '../errors/index.ts';
import { findOrganization } from '../identity/organizations.ts';
import type { Clock } from '../lib/clock.ts';
import { ExpiringCache } from '../lib/expiring-cache.ts';
import type { Logger } from '../lib/logger.ts';
import type { Principal } from '../pipeline/principal.ts';
import type { Storage } from '../storage/index.ts';
import { type Decision, describeStep, type Policy, type Step } from './gcra.ts';
import type { LimitsRedis } from './redis.ts';
import { createRedisStore } from './redis-store.ts';
import { createMemoryStore, type LimitStore } from './store.ts';

/** A value now (memory) or later (Redis): the one-node path allocates no promise. */
export type Maybe<T> = T | Promise<T>;

const MINUTE = 60_000;

/** Request facts the limiter records when a limit is first exceeded. Never a credential. */
export interface LimitContext {
  readonly ip: string;
  readonly userAgent?: string | null;
  readonly requestId?: string | null;
}

/** A route with its own limit (a route policy rule's `rate_limit`): each caller gets a separate bucket under that tier. */
export interface RouteLimit {
  /** Names the bucket; unique per route. */
  readonly route: string;
  /** A configured tier. */
  readonly tier: string;
}

export interface RateLimiter {
  readonly enabled: boolean;
  /** Public routes: one bucket per client IP (per route too, with `route`). */
  limitAnonymous(ctx: LimitContext, route?: RouteLimit): Maybe<Decision | undefined>;
  /** The client IP's bucket without counting (routes never limited still say where the caller stands). */
  peekAnonymous(ctx: LimitContext): Maybe<Decision | undefined>;
  /** Protected routes: one bucket per credential (API key) or subject (user, external), per route too with `route`. */
  limitPrincipal(principal: Principal, ctx: LimitContext, route?: RouteLimit): Maybe<Decision | undefined>;
  /** Called for every decision (metrics). */
  onDecision?: (d: Decision) => void;
}

export interface LimiterDeps {
  readonly config: Config;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly redis?: LimitsRedis;
  /** Buckets shared some other way than Redis (the workers of one `serve --workers N`). */
  readonly sharedStore?: LimitStore;
}

const perMinute = (name: string, limit: number, burst = limit): Policy => Object.freeze({ name, limit, windowMs: MINUTE, burst });

/** Short, fixed-length bucket id for identifiers that may be long (external subjects). */
const digest = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

/**
 * Rate limits per layer and per credential, with GCRA buckets in memory (one node) or Redis
 * (many nodes). Policy: the API key's tier, else its organization's tier, else the layer default.
 * While Redis is unreachable a layer falls back to this node's memory, or answers 503 when it is
 * listed in `rateLimitFailClosed`.
 */
export function createRateLimiter(deps: LimiterDeps): RateLimiter {
  const { config, clock, log, audit, redis } = deps;
  const layers: Record<RateLimitLayer, Policy> = {
    anonymous: perMinute('anonymous', config.rateLimitAnonymous),
    api_key: perMinute('api_key', config.rateLimitApiKey),
    user: perMinute('user', config.rateLimitUser),
  };
  const tiers = new Map(Object.entries(config.rateLimitTiers).map(([name, t]) => [name, perMinute(name, t.requests_per_minute, t.burst)]));
  const local = createMemoryStore();
  const shared: LimitStore | undefined = redis ? createRedisStore(redis, `${config.redisKeyPrefix}rl:`) : deps.sharedStore;
  const failClosed = new Set<RateLimitLayer>(config.rateLimitFailClosed);
  const orgTiers = new ExpiringCache<string | null>(10_000);
  const exceeded = new ExpiringCache<true>(10_000);
  const warnedTiers = new Set<string>();

  function tier(name: string | null | undefined): Policy | undefined {
    if (name === null || name === undefined) return undefined;
    const p = tiers.get(name);
    if (p === undefined && !warnedTiers.has(name)) {
      warnedTiers.add(name);
      log.warn({ tier: name.slice(0, 64) }, 'rate limits: unknown tier; using the layer default');
    }
    return p;
  }

  /** The organization's tier name, from memory for a minute; storage is asked only on a miss. */
  function organizationTier(organizationId: string, now: number): Maybe<string | null> {
    const hit = orgTiers.get(organizationId, now);
    if (hit !== undefined) return hit;
    return findOrganization(deps.storage.db, organizationId).then((org) => {
      const value = org?.rate_limit_tier ?? null;
      orgTiers.set(organizationId, value, now + MINUTE);
      return value;
    });
  }

  /** Redis when configured, else (or when it fails and the layer does not fail closed) this node's memory. */
  async function sharedStep(layer: RateLimitLayer, key: string, policy: Policy, now: number, s: LimitStore): Promise<Step> {
    try {
      return await s.step(key, policy, now);
    } catch (err) {
      redis?.failed(err);
      if (failClosed.has(layer)) throw new GatehouseError('rate_limiter_unavailable');
      return local.step(key, policy, now);
    }
  }

  function firstExceeded(d: Decision, bucket: string, principal: Principal | undefined, ctx: LimitContext, now: number): void {
    const key = `${d.layer}:${bucket}`;
    if (exceeded.get(key, now)) return;
    exceeded.set(key, true, now + d.policy.windowMs);
    audit.record({
      action: 'rate_limit.exceeded',
      outcome: 'denied',
      organizationId: principal?.organizationId ?? null,
      actor: principal
        ? { type: principal.kind === 'api_key' ? 'api_key' : principal.kind, id: principal.subject }
        : { type: 'anonymous', id: null },
      ip: ctx.ip,
      userAgent: ctx.userAgent ?? null,
      requestId: ctx.requestId ?? null,
      details: { layer: d.layer, policy: d.policy.name, limit: d.policy.limit, window_seconds: d.policy.windowMs / 1000 },
    });
  }

  // No closures are made per decision: under tsx each named one costs an Object.defineProperty.
  function finish(
    step: Step,
    layer: RateLimitLayer,
    bucket: string,
    policy: Policy,
    principal: Principal | undefined,
    ctx: LimitContext,
    now: number,
  ): Decision {
    const d = describeStep(layer, step, now, policy);
    limiter.onDecision?.(d);
    if (!d.allowed) firstExceeded(d, bucket, principal, ctx, now);
    return d;
  }

  function decide(
    layer: RateLimitLayer,
    bucket: string,
    policy: Policy,
    principal: Principal | undefined,
    ctx: LimitContext,
    now: number,
  ): Maybe<Decision> {
    const key = `${layer}:${bucket}`;
    if (!shared) return finish(local.step(key, policy, now), layer, bucket, policy, principal, ctx, now);
    return sharedStep(layer, key, policy, now, shared).then((step) => finish(step, layer, bucket, policy, principal, ctx, now));
  }

  /** The key's tier, else its organization's, else the layer default. */
  function policyFor(p: Principal, orgTier: string | null, layer: RateLimitLayer): Policy {
    return tier(p.rateLimitPolicy) ?? tier(orgTier) ?? layers[layer];
  }

  const limiter: RateLimiter = {
    enabled: config.rateLimitEnabled,
    limitAnonymous(ctx, route) {
      if (!config.rateLimitEnabled) return undefined;
      if (route !== undefined)
        return decide('anonymous', `${ctx.ip}@${route.route}`, tier(route.tier) ?? layers.anonymous, undefined, ctx, clock.now());
      return decide('anonymous', ctx.ip, layers.anonymous, undefined, ctx, clock.now());
    },
    peekAnonymous(ctx) {
      if (!config.rateLimitEnabled) return undefined;
      const now = clock.now();
      const key = `anonymous:${ctx.ip}`;
      const seen = (tat: number | undefined) =>
        describeStep('anonymous', { allowed: true, tat: Math.max(tat ?? now, now) }, now, layers.anonymous);
      if (!shared) return seen(local.peek(key, now));
      return Promise.resolve(shared.peek(key, now)).then(seen, (err: unknown) => {
        redis?.failed(err);
        return seen(local.peek(key, now));
      });
    },
    limitPrincipal(p, ctx, route) {
      if (!config.rateLimitEnabled || p.kind === 'development') return undefined;
      const now = clock.now();
      const layer: RateLimitLayer = p.kind === 'api_key' ? 'api_key' : 'user';
      const bucket = p.kind === 'external' ? `ext:${digest(`${p.issuer ?? ''}\n${p.subject}`)}` : p.subject;
      const own = route !== undefined ? tier(route.tier) : undefined;
      if (route !== undefined && own !== undefined) return decide(layer, `${bucket}@${route.route}`, own, p, ctx, now);
      const orgTier = p.rateLimitPolicy !== undefined && tiers.has(p.rateLimitPolicy) ? null : organizationTier(p.organizationId, now);
      if (orgTier instanceof Promise) return orgTier.then((t) => decide(layer, bucket, policyFor(p, t, layer), p, ctx, now));
      return decide(layer, bucket, policyFor(p, orgTier, layer), p, ctx, now);
    },
  };
  return limiter;
}
