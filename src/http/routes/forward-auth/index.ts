import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { decideEdge, type EdgeDecision } from '../../../edge/decide.ts';
import { type OriginalRequest, originalRequest } from '../../../edge/original-request.ts';
import { AUTHENTICATE_ALL, type LivePolicy, openLivePolicy } from '../../../edge/policy/index.ts';
import { renderPrincipal } from '../decision/render.ts';

const PREFIX = '/v1/forward-auth';
const AUTHENTICATE_ONLY: LivePolicy = { current: () => AUTHENTICATE_ALL, reload: () => true, close() {} };
const decisions = new WeakMap<FastifyRequest, EdgeDecision>();

/**
 * `GET|POST /v1/forward-auth` (nginx `auth_request`, Traefik ForwardAuth) and
 * `/v1/forward-auth/*` in every method (Envoy `ext_authz` with `path_prefix`): the edge decision
 * on the original request, under the route policy (`routePolicy`, reloaded when it changes).
 * 200 with `X-Gatehouse-*` and rate-limit headers, or the 401/403/429 problem with its challenge.
 * The body of the call is never read.
 */
export default async function forwardAuthRoutes(app: FastifyInstance): Promise<void> {
  const { config, log } = app.services;
  const policy = openLivePolicy({ file: config.routePolicy, tiers: Object.keys(config.rateLimitTiers), log });
  app.addHook('onClose', async () => policy.close());
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume();
    done(null, undefined);
  });

  // Named `authenticate`: it is the pipeline of this route (collectProtectedRoutes moves it to onRequest and lists the route).
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const ua = request.headers['user-agent'];
    const facts = {
      headers: request.headers,
      rawHeaders: request.raw.rawHeaders,
      ip: request.ip,
      userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null,
      requestId: String(request.id),
    };
    const deps = { services: app.services, policy, realm: config.realm };
    let original: OriginalRequest;
    try {
      original = originalRequest({
        method: request.method,
        url: request.url,
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        prefix: PREFIX,
      });
    } catch (err) {
      // Like every protected route, the credential is judged before the request's shape.
      await decideEdge({ ...deps, policy: AUTHENTICATE_ONLY }, { ...facts, method: request.method, host: 'unknown', path: '/', query: '' });
      throw err;
    }
    const decision = await decideEdge(deps, { ...original, ...facts });
    if (decision.principal) request.principal = decision.principal;
    decisions.set(request, decision);
    reply.headers(decision.rateLimit);
    reply.headers(decision.identity);
    if (decision.rule) reply.header('x-gatehouse-rule', decision.rule.name);
  }

  async function answer(request: FastifyRequest) {
    const d = decisions.get(request);
    return {
      allowed: true,
      rule: d?.rule?.name ?? null,
      memory_space: d?.memorySpace ?? null,
      principal: d?.principal ? renderPrincipal(d.principal) : null,
    };
  }

  const schema: FastifySchema = {
    tags: ['decision'],
    summary: 'Forward-auth decision for nginx auth_request, Traefik ForwardAuth and Envoy ext_authz',
    description:
      'The proxy sends the original request in X-Original-URI/-Method/-Host (nginx), X-Forwarded-Uri/-Method/-Host (Traefik), or as the path after /v1/forward-auth (Envoy). 200 with X-Gatehouse-* identity headers and rate-limit headers when allowed; 401, 403, 429 or 400 problem+json otherwise.',
    security: [{ bearer: [] }, { apiKey: [] }] as { [label: string]: string[] }[],
  };
  app.route({ method: ['GET', 'POST'], url: PREFIX, preHandler: authenticate, schema, handler: answer });
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: `${PREFIX}/*`,
    exposeHeadRoute: false,
    preHandler: authenticate,
    schema: { ...schema, summary: 'Forward-auth decision (Envoy ext_authz with path_prefix /v1/forward-auth)' },
    handler: answer,
  });
}
