import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { isoTimeCached, type LineSink } from '../lib/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { routeOf } from './route-facts.ts';

/** The path of a request without its query string (which may hold a misplaced credential). */
function pathOf(request: FastifyRequest): string {
  const i = request.url.indexOf('?');
  return i === -1 ? request.url : request.url.slice(0, i);
}

/** Printable ASCII without `"` and `\`: quoted as it is; anything else goes through JSON.stringify. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A JSON string literal (or `null`) for a log field. */
function jsonString(value: string | undefined | null): string {
  if (value === undefined || value === null) return 'null';
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** Queued lines are written at once past this size, else at most this long after the first of them. */
const BATCH_BYTES = 64 * 1024;
const BATCH_MS = 50;

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
 * The line is built here as text, in the shape of the process logger's lines (`level`, `time`,
 * `service`, the fields, `msg`), and written to its stream: through pino it cost several times
 * more (docs/performance.md). Every value that is not plain printable ASCII is JSON-escaped.
 *
 * Lines are queued and handed to the stream together 50 ms after the first of them, or at 64 KiB:
 * under load one write carries hundreds of lines, where a write per line (or even per event-loop
 * turn) cost a system call and, for the asynchronous stdout, a thread-pool round trip each, a
 * fifth of a key-protected request's CPU. `flush()` writes what is queued; the app calls it when it
 * closes. A crash loses at most the last 50 ms of lines.
 *
 * Doing both here rather than in an `onResponse` hook saves a hook run per request: Fastify calls
 * this after the hooks anyway.
 */
export class AccessLog extends LogController {
  private readonly time = isoTimeCached();
  private queued = '';
  private scheduled = false;
  private readonly flushSoon = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /** `sink`: where the lines go (`accessSink`), or undefined for no access log. */
  constructor(
    private readonly metrics: Metrics,
    private readonly sink: LineSink | undefined,
  ) {
    super({ requestIdLogLabel: 'request_id' });
  }

  /** One line per request, written when it completes: nothing at the start. */
  override incomingRequest(): void {}

  /** The completed line carries the path of an unmatched request. */
  override routeNotFound(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const route = routeOf(request).url;
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    const method = request.method;
    this.metrics.requests.incAt(method, route ?? 'unmatched', statusText(status));
    this.metrics.requestDuration.observeAt(ms / 1000, method, route ?? 'unmatched');
    if (error) {
      reply.log.error({ ...this.fields(request, route, status, ms), err: error }, 'request errored');
      return;
    }
    if (this.sink === undefined) return;
    this.queued += `{"level":30${this.time()},"service":"gatehouse","method":${jsonString(method)},"route":${jsonString(route)}${
      route === undefined ? `,"path":${jsonString(pathOf(request))}` : ''
    },"status":${status},"ms":${Math.round(ms * 10) / 10},"ip":${jsonString(request.ip)},"principal":${jsonString(
      request.principal?.subject,
    )},"request_id":${jsonString(request.id)},"msg":"request"}\n`;
    if (this.queued.length >= BATCH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.flushSoon, BATCH_MS).unref();
    }
  }

  /** Writes the queued lines now. */
  flush(): void {
    if (this.queued === '' || this.sink === undefined) return;
    const lines = this.queued;
    this.queued = '';
    this.sink.write(lines);
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

/** Status codes as label values, without a new string per request. */
const STATUS_TEXT = new Map<number, string>();
function statusText(status: number): string {
  let text = STATUS_TEXT.get(status);
  if (text === undefined) {
    text = String(status);
    if (STATUS_TEXT.size < 1000) STATUS_TEXT.set(status, text);
  }
  return text;
}
