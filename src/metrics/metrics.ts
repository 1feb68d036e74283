import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { CacheStats } from '../lib/expiring-cache.ts';
import { LabelledCounter, LabelledHistogram } from './labelled.ts';

/**
 * Gatehouse's Prometheus metrics, one registry per server (tests run several in one process).
 * Recording is a counter increment or a histogram observation: cheap enough for every request.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: LabelledCounter<'method' | 'route' | 'status'>;
  readonly requestDuration: LabelledHistogram<'method' | 'route'>;
  /** One per pipeline run: the credential kind (`none` when absent) and `allowed` or the error name. */
  readonly authDecisions: LabelledCounter<'kind' | 'outcome'>;
  readonly verifyDuration: LabelledHistogram<'kind'>;
  readonly rateLimitRejections: Counter<'layer'>;
  readonly auditEvents: Counter<'outcome'>;
  /** Reports a cache's running hit/miss counts at scrape time. */
  watchCache(name: string, stats: () => CacheStats): void;
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  const caches = new Map<string, () => CacheStats>();
  new Counter({
    name: 'gatehouse_cache_lookups_total',
    help: 'In-process credential cache lookups by cache and result',
    labelNames: ['cache', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [cache, stats] of caches) {
        const s = stats();
        this.inc({ cache, result: 'hit' }, s.hits);
        this.inc({ cache, result: 'miss' }, s.misses);
      }
    },
  });
  new Gauge({
    name: 'gatehouse_cache_hit_ratio',
    help: 'Share of cache lookups answered from memory since start',
    labelNames: ['cache'] as const,
    registers: [registry],
    collect() {
      for (const [cache, stats] of caches) {
        const s = stats();
        const total = s.hits + s.misses;
        this.set({ cache }, total === 0 ? 0 : s.hits / total);
      }
    },
  });
  return {
    registry,
    requests: new LabelledCounter(
      'gatehouse_http_requests_total',
      'HTTP requests by method, route pattern and status',
      ['method', 'route', 'status'],
      registry,
    ),
    requestDuration: new LabelledHistogram(
      'gatehouse_http_request_duration_seconds',
      'HTTP request duration by method and route pattern',
      ['method', 'route'],
      registry,
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ),
    authDecisions: new LabelledCounter(
      'gatehouse_auth_decisions_total',
      'Authentication and authorization decisions by credential kind and outcome',
      ['kind', 'outcome'],
      registry,
    ),
    verifyDuration: new LabelledHistogram(
      'gatehouse_credential_verification_seconds',
      'Time to verify a credential into a Principal, by credential kind',
      ['kind'],
      registry,
      [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25],
    ),
    rateLimitRejections: new Counter({
      name: 'gatehouse_rate_limit_rejections_total',
      help: 'Requests refused with 429 by rate-limit layer',
      labelNames: ['layer'] as const,
      registers: [registry],
    }),
    auditEvents: new Counter({
      name: 'gatehouse_audit_events_total',
      help: 'Audit events recorded, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    watchCache(name, stats) {
      caches.set(name, stats);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
