import type { SwaggerOptions } from '@fastify/swagger';
import type { Config } from '../config/index.ts';
import { ERRORS } from '../errors/index.ts';

/** Schema of every error body; its `code` enum is the registry (kept in sync by a test). */
export const problemSchema = {
  type: 'object' as const,
  required: ['type', 'title', 'status', 'detail', 'code', 'error'],
  properties: {
    type: { type: 'string', description: 'Link to the error in /docs/errors.' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', enum: Object.values(ERRORS).map((e) => e.code) },
    error: { type: 'string', enum: Object.keys(ERRORS) },
    request_id: { type: 'string' },
  },
  additionalProperties: true,
};

/** The base OpenAPI 3.1 document; paths come from route schemas. */
export function openApiDocument(config: Config): NonNullable<Extract<SwaggerOptions, { openapi?: unknown }>['openapi']> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse',
      version: '0.1.0',
      description:
        'Authentication and authorization for APIs. Errors are `application/problem+json` (RFC 9457) with a stable `code`; see the `Problem` schema.\n\n' +
        'Rate limits: public routes, and requests whose credential is missing or invalid, count per client IP; protected routes count per API key or user. ' +
        'Every limited response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds), `RateLimit-Policy` and `RateLimit`; ' +
        'over the limit the answer is 429 (`ERR-7001`) with `Retry-After`. Repeated failed logins get 429 (`ERR-7002`).',
    },
    servers: [{ url: config.publicUrl }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A Gatehouse access token, an API key, or an external JWT.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: { Problem: problemSchema as Record<string, unknown> },
    },
  };
}
