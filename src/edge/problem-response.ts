import { bearerChallenge, GatehouseError, PROBLEM_CONTENT_TYPE, type ProblemBody, toProblem } from '../errors/index.ts';

/** A problem as status, headers and body, for answers given outside Fastify (the proxy, the middleware). */
export interface ProblemResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: ProblemBody;
}

/**
 * Renders any error as Gatehouse answers it: problem+json, the RFC 6750 challenge on 401 (and on
 * 403 `insufficient_scope`), `Retry-After`, and the error's own headers (rate limits, a challenge
 * with `resource_metadata`). Unknown errors are a 500 that says nothing about their cause.
 *
 * @example
 * const p = problemResponse(err, 'gatehouse', requestId);
 * res.writeHead(p.status, p.headers).end(JSON.stringify(p.body));
 */
export function problemResponse(err: unknown, realm: string, requestId?: string): ProblemResponse {
  const problem = err instanceof GatehouseError ? err : new GatehouseError('internal_error');
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' };
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  const challenge = bearerChallenge(problem, realm);
  if (challenge !== undefined) headers['www-authenticate'] = challenge;
  if (problem.extras.retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(problem.extras.retryAfter)));
  Object.assign(headers, problem.extras.headers);
  return { status: problem.status, headers, body: toProblem(problem, requestId) };
}
