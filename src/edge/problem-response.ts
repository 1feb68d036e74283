import { bearerChallenge, GatehouseError, PROBLEM_CONTENT_TYPE, toProblem } from '../errors/index.ts';

/** A problem as status, headers and body, for servers outside Fastify (the proxy). */
export interface RenderedProblem {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Renders any error as Gatehouse answers it: problem+json, the RFC 6750 challenge on 401 (and on
 * 403 `insufficient_scope`), `Retry-After`, and the error's own headers (rate limits, a challenge
 * with `resource_metadata`). Unknown errors are a 500 that says nothing about their cause.
 *
 * @example
 * const p = renderProblem(err, 'gatehouse', requestId);
 * res.writeHead(p.status, p.headers).end(p.body);
 */
export function renderProblem(err: unknown, realm: string, requestId: string): RenderedProblem {
  const problem = err instanceof GatehouseError ? err : new GatehouseError('internal_error');
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', 'x-request-id': requestId };
  const challenge = bearerChallenge(problem, realm);
  if (challenge !== undefined) headers['www-authenticate'] = challenge;
  if (problem.extras.retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(problem.extras.retryAfter)));
  Object.assign(headers, problem.extras.headers);
  const body = JSON.stringify(toProblem(problem, requestId));
  headers['content-length'] = String(Buffer.byteLength(body));
  return { status: problem.status, headers, body };
}
