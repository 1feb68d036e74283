import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { bearerChallenge, GatehouseError, PROBLEM_CONTENT_TYPE, toProblem } from '../errors/index.ts';
import { resourceMetadataUrl } from '../oauth/resource-metadata-url.ts';
import { isConnectionError } from '../storage/index.ts';
import { requestedResource } from './auth.ts';
import { requestFacts } from './request-facts.ts';
import { routeOf } from './route-facts.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { KEYWORD_ERRORS } from './validation.ts';

interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function validationError(err: FastifyError): GatehouseError {
  const issues = ((err.validation ?? []) as ValidationIssue[]).map((v) => {
    const missing = typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : '';
    const extra = typeof v.params?.additionalProperty === 'string' ? `/${v.params.additionalProperty}` : '';
    const pointer = `${v.instancePath ?? ''}${missing}${extra}` || '/';
    const own = v.keyword !== undefined ? KEYWORD_ERRORS[v.keyword] : undefined;
    return { pointer, message: extra ? 'is not a known property' : (own?.message ?? v.message ?? 'is invalid'), error: own?.error };
  });
  const ctx = err.validationContext ?? 'body';
  const first = issues[0];
  const detail = first ? `${ctx}${first.pointer === '/' ? '' : first.pointer} ${first.message}` : 'Invalid request';
  const errors = issues.map(({ pointer, message }) => ({ in: ctx, pointer, message }));
  // Gatehouse's own keywords (names, memory spaces, nesting) answer their own stable code.
  return new GatehouseError(first?.error ?? 'validation_failed', detail, { fields: { errors } });
}

/** Maps anything thrown to a GatehouseError; unknown errors become `internal_error`. */
export function toGatehouseError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  const e = err as FastifyError;
  if (e && typeof e === 'object') {
    if (e.validation) return validationError(e);
    switch (e.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new GatehouseError('unsupported_media_type');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new GatehouseError('payload_too_large');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return new GatehouseError('malformed_json', 'Body is empty but Content-Type is application/json');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return new GatehouseError('malformed_json');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return new GatehouseError('bad_request', 'Content-Length does not match the body');
      case 'FST_ERR_ASYNC_CONSTRAINT':
      case 'FST_ERR_BAD_URL':
        return new GatehouseError('bad_request', 'Malformed URL');
    }
    if (e instanceof SyntaxError && e.statusCode === 400) return new GatehouseError('malformed_json');
    if (isConnectionError(e)) return new GatehouseError('storage_unavailable', undefined, {}, { cause: e });
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      if (e.statusCode === 413) return new GatehouseError('payload_too_large');
      if (e.statusCode === 415) return new GatehouseError('unsupported_media_type');
      return new GatehouseError('bad_request', 'The request could not be understood');
    }
  }
  return new GatehouseError('internal_error', undefined, {}, { cause: err });
}

/** Writes a problem+json response (with its challenge and headers) for any error. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown, realm: string): FastifyReply {
  const problem = toGatehouseError(err);
  if (problem.status >= 500) {
    request.log.error({ err: problem.cause ?? err, code: problem.code }, 'request failed');
  }
  if (problem.status === 403 && request.principal) auditDenied(request, problem);
  // Errors raised before the onRequest hook ran (a URL the router refuses) still carry them.
  if (!reply.hasHeader('x-content-type-options')) reply.headers(SECURITY_HEADERS);
  let challenge = bearerChallenge(problem, realm);
  // A 401 for a registered resource points at its RFC 9728 metadata (how MCP clients find the authorization server).
  const resource = problem.status === 401 && challenge !== undefined ? requestedResource(request) : undefined;
  const metadata = resource !== undefined ? resourceMetadataUrl(request.server.services.config.publicUrl, resource) : undefined;
  if (metadata !== undefined) challenge = `${challenge}, resource_metadata="${metadata.replace(/["\\]/g, '')}"`;
  if (challenge !== undefined) {
    // Public routes (login, refresh) take no bearer token: their 401 still names the scheme (RFC 9110 §15.5.2).
    if (routeOf(request).config?.protected !== false) reply.header('www-authenticate', challenge);
    else if (problem.status === 401) reply.header('www-authenticate', `Bearer realm="${realm}"`);
  }
  if (problem.extras.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(problem.extras.retryAfter))));
  for (const [k, v] of Object.entries(problem.extras.headers ?? {})) reply.header(k, v);
  return reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(toProblem(problem, String(request.id)));
}

/** A principal was refused an operation: one `permission.denied` event (route pattern, code, scope). */
function auditDenied(request: FastifyRequest, problem: GatehouseError): void {
  const p = request.principal;
  if (!p) return;
  request.server.services.audit.record({
    action: 'permission.denied',
    outcome: 'denied',
    organizationId: p.organizationId,
    actor: { type: p.kind === 'api_key' ? 'api_key' : p.kind, id: p.subject },
    target: { type: 'route', id: `${request.method} ${routeOf(request).url ?? '?'}` },
    ...requestFacts(request),
    details: {
      code: problem.code,
      reason: problem.error,
      ...(problem.extras.scope !== undefined ? { required_scope: problem.extras.scope } : {}),
    },
  });
}
