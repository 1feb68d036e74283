import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { problemResponse } from '../src/edge/problem-response.ts';
import { checkMemorySpace, checkScopes, createGatehouseVerifier, type GatehouseVerifierOptions, type Principal } from './core/index.ts';

export type { GatehouseVerifierOptions, Principal };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by Gatehouse's `authenticate` (and every guard that runs it). */
    principal: Principal | null;
    /** Set by `requireMemorySpace()`. */
    memorySpace?: string;
  }
}

export interface FastifyGatehouseOptions extends GatehouseVerifierOptions {
  /** `realm` of the challenges (default `gatehouse`). */
  readonly realm?: string;
}

/** preHandler hooks for Fastify routes; each guard authenticates first when that has not happened yet. */
export interface FastifyGatehouse {
  readonly authenticate: preHandlerAsyncHookHandler;
  requireScopes(...scopes: string[]): preHandlerAsyncHookHandler;
  /** The space from `select` (default: the `X-Memory-Space` header), checked against the credential; sets `request.memorySpace`. */
  requireMemorySpace(select?: (request: FastifyRequest) => string | undefined): preHandlerAsyncHookHandler;
}

const header = (request: FastifyRequest): string | undefined => {
  const v = request.headers['x-memory-space'];
  return typeof v === 'string' ? v : undefined;
};

/**
 * Gatehouse for a Fastify API: JWTs verified locally from the JWKS, API keys through the decision
 * API (cached briefly), and the same 401/403 problem+json answers as Gatehouse.
 *
 * @example
 * import { gatehouse } from 'gatehouse/fastify';
 * const auth = gatehouse({ url: 'http://127.0.0.1:8080' });
 * app.get('/v1/spaces/:space/recall', { preHandler: [auth.requireScopes('memories:read'), auth.requireMemorySpace((r) => (r.params as { space: string }).space)] },
 *   async (request) => ({ who: request.principal?.subject, space: request.memorySpace }));
 */
export function gatehouse(opts: FastifyGatehouseOptions): FastifyGatehouse {
  const verifier = createGatehouseVerifier(opts);
  const realm = opts.realm ?? 'gatehouse';

  function refuse(reply: FastifyReply, err: unknown): FastifyReply {
    const p = problemResponse(err, realm, String(reply.request.id));
    return reply.code(p.status).headers(p.headers).send(p.body);
  }

  async function principalOf(request: FastifyRequest): Promise<Principal> {
    if (request.principal) return request.principal;
    const q = request.url.indexOf('?');
    request.principal = await verifier.verify({
      headers: request.headers,
      rawHeaders: request.raw.rawHeaders,
      query: q === -1 ? '' : request.url.slice(q + 1),
      ip: request.ip,
    });
    return request.principal;
  }

  return {
    authenticate: async function gatehouseAuthenticate(request, reply) {
      try {
        await principalOf(request);
      } catch (err) {
        return refuse(reply, err);
      }
    },
    requireScopes(...scopes) {
      return async function gatehouseRequireScopes(request, reply) {
        try {
          checkScopes(await principalOf(request), scopes);
        } catch (err) {
          return refuse(reply, err);
        }
      };
    },
    requireMemorySpace(select = header) {
      return async function gatehouseRequireMemorySpace(request, reply) {
        try {
          request.memorySpace = checkMemorySpace(await principalOf(request), select(request));
        } catch (err) {
          return refuse(reply, err);
        }
      };
    },
  };
}
