import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';

/** The path of a request without its query string (which may hold a misplaced credential). */
function pathOf(request: FastifyRequest): string {
  const i = request.url.indexOf('?');
  return i === -1 ? request.url : request.url.slice(0, i);
}

/**
 * What Gatehouse records about every request, once, when its answer has been sent: the request
 * metrics and one access-log line.
 *
 * The line holds what operators need and nothing secret: method, route pattern (the path without
 * its query only when no route matched), status, duration in ms, client IP, the principal's
 * subject when one was established, and the request id.
 * Headers, bodies and query strings are never logged. It is written at `info`, so `logLevel:
 * warn` or `accessLog: false` silence it (then nothing is built for it); the metrics are
 * recorded either way.
 *
 * Doing both here rather than in an `onResponse` hook saves a hook run per request: Fastify calls
 * this after the hooks anyway.
 */
export class AccessLog extends LogController {
  /** `log`: where the lines go (`accessLogger`), or undefined for no access log. */
  constructor(
    private readonly metrics: Metrics,
    private readonly log: Logger | undefined,
  ) {
    super({ requestIdLogLabel: 'request_id' });
  }

  /** One line per request, written when it completes: nothing at the start. */
  override incomingRequest(): void {}

  /** The completed line carries the path of an unmatched request. */
  override routeNotFound(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url;
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    const method = request.method;
    this.metrics.requests.inc({ method, route: route ?? 'unmatched', status: String(status) });
    this.metrics.requestDuration.observe({ method, route: route ?? 'unmatched' }, ms / 1000);
    if (error) {
      reply.log.error({ ...this.fields(request, route, status, ms), err: error }, 'request errored');
      return;
    }
    this.log?.info(this.fields(request, route, status, ms), 'request');
  }

  private fields(request: FastifyRequest, route: string | undefined, status: number, ms: number) {
    return {
      method: request.method,
      route: route ?? null,
      ...(route === undefined ? { path: pathOf(request) } : {}),
      status,
      ms: Math.round(ms * 10) / 10,
      ip: request.ip,
      principal: request.principal?.subject ?? null,
      request_id: request.id,
    };
  }
}
