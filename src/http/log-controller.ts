import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** The path of a request without its query string (which may hold a misplaced credential). */
function pathOf(request: FastifyRequest): string {
  const i = request.url.indexOf('?');
  return i === -1 ? request.url : request.url.slice(0, i);
}

/**
 * Request log lines with only what is safe: method, path without query, client IP, status,
 * duration. Headers and bodies are never logged.
 */
export class SafeLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.info({ method: request.method, path: pathOf(request), ip: request.ip }, 'incoming request');
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.info({ method: request.method, path: pathOf(request) }, 'route not found');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { method: request.method, path: pathOf(request), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}
