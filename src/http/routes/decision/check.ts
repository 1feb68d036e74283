import type { FastifyInstance } from 'fastify';
import { authorize, isValidScope } from '../../../authorization/index.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { headerValue } from '../../header-value.ts';
import { checkedMemorySpace } from '../../memory-space.ts';
import { renderPrincipal } from './render.ts';
import { principalSchema } from './schemas.ts';

interface CheckBody {
  required_scopes?: string[];
  memory_space?: string;
  /** What other systems call `memory_space`. */
  memory_space_id?: string;
  method?: string;
  path?: string;
}

const SPACE_SEGMENT = /\/(?:memory-spaces|spaces)\/([^/?#]+)/;

/** The memory space a request names: body, `X-Memory-Space`, then the resource path. */
function namedSpace(body: CheckBody, header: string | string[] | undefined): string | undefined {
  if (body.memory_space !== undefined && body.memory_space_id !== undefined && body.memory_space !== body.memory_space_id)
    throw new GatehouseError('validation_failed', 'body/memory_space and body/memory_space_id name different spaces');
  const named = body.memory_space ?? body.memory_space_id;
  if (named !== undefined) return named;
  if (typeof header === 'string' && header !== '') return header;
  const m = body.path ? SPACE_SEGMENT.exec(body.path) : null;
  if (m?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    throw new GatehouseError('validation_failed', 'body/path has malformed percent-encoding');
  }
}

/**
 * `POST /v1/auth/check`: the decision API. The caller forwards the credential it received; the
 * answer is the Principal and `X-Gatehouse-*` headers, or the 401/403 a protected route would give.
 */
export default async function checkRoute(app: FastifyInstance): Promise<void> {
  app.post<{ Body: CheckBody }>(
    '/v1/auth/check',
    {
      preHandler: requireAuth(),
      config: { resourceParam: true, senderTarget: 'forwarded' },
      schema: {
        tags: ['decision'],
        summary: 'Decide whether a credential may do something',
        description:
          'Send the credential in the usual headers. For a DPoP-bound token forward `Authorization: DPoP …` and the `DPoP` proof, with `X-Original-Method` and `X-Original-URL` (the absolute URL the proof names). 200 with the Principal when allowed; 401 (bad or missing credential) or 403 (scope, memory space) otherwise, with RFC 6750 challenges.',
        security: [{ bearer: [] }, { apiKey: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            resource: {
              type: 'string',
              maxLength: 500,
              description: 'The registered resource (RFC 8707) the token must be for; 401s then point at its metadata',
            },
          },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            required_scopes: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 200 } },
            memory_space: { type: 'string', 'x-space-name': true },
            memory_space_id: { type: 'string', 'x-space-name': true, description: 'Same as `memory_space`.' },
            method: { type: 'string', maxLength: 16 },
            path: { type: 'string', maxLength: 2048 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { allowed: { type: 'boolean' }, memory_space: { type: ['string', 'null'] }, principal: principalSchema },
          },
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body ?? {};
      const scopes = body.required_scopes ?? [];
      const bad = scopes.find((s) => !isValidScope(s));
      if (bad !== undefined)
        throw new GatehouseError('validation_failed', `body/required_scopes contains an invalid scope: ${bad.slice(0, 60)}`);
      const space = await checkedMemorySpace(
        app.services.storage.db,
        principal,
        namedSpace(body, request.headers['x-memory-space']),
        'memory space',
      );
      authorize(principal, { scopes });
      reply.header('x-gatehouse-subject', headerValue(principal.subject));
      reply.header('x-gatehouse-organization', principal.organizationId);
      if (space !== undefined) reply.header('x-gatehouse-memory-space', space);
      reply.header('x-gatehouse-scopes', headerValue(principal.scopes.join(' ')));
      if (principal.act !== undefined) reply.header('x-gatehouse-actor', headerValue(principal.act.sub));
      return { allowed: true, memory_space: space ?? null, principal: renderPrincipal(principal) };
    },
  );
}
