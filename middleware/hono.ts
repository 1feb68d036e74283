import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { problemResponse } from '../src/edge/problem-response.ts';
import { checkMemorySpace, checkScopes, createGatehouseVerifier, type GatehouseVerifierOptions, type Principal } from './core/index.ts';

export type { GatehouseVerifierOptions, Principal };

/** The variables the middleware sets: `c.var.principal`, and `c.var.memorySpace` after `requireMemorySpace()`. */
export interface GatehouseEnv {
  Variables: { principal: Principal; memorySpace: string };
}

export interface HonoGatehouseOptions extends GatehouseVerifierOptions {
  /** `realm` of the challenges (default `gatehouse`). */
  readonly realm?: string;
  /** The client address, for the decision API's limits (Hono does not know it portably). */
  readonly clientIp?: (c: Context) => string;
}

/** Hono middleware; each guard authenticates first when that has not happened yet. */
export interface HonoGatehouse {
  readonly authenticate: MiddlewareHandler<GatehouseEnv>;
  requireScopes(...scopes: string[]): MiddlewareHandler<GatehouseEnv>;
  /** The space from `select` (default: the `X-Memory-Space` header), checked against the credential; sets `c.var.memorySpace`. */
  requireMemorySpace(select?: (c: Context) => string | undefined): MiddlewareHandler<GatehouseEnv>;
}

/**
 * Gatehouse for a Hono API: JWTs verified locally from the JWKS, API keys through the decision API
 * (cached briefly), and the same 401/403 problem+json answers as Gatehouse.
 *
 * @example
 * import { gatehouse, type GatehouseEnv } from 'gatehouse/hono';
 * const auth = gatehouse({ url: 'http://127.0.0.1:8080' });
 * const app = new Hono<GatehouseEnv>();
 * app.get('/v1/spaces/:space/recall', auth.requireScopes('memories:read'), auth.requireMemorySpace((c) => c.req.param('space')),
 *   (c) => c.json({ who: c.var.principal.subject, space: c.var.memorySpace }));
 */
export function gatehouse(opts: HonoGatehouseOptions): HonoGatehouse {
  const verifier = createGatehouseVerifier(opts);
  const realm = opts.realm ?? 'gatehouse';

  async function principalOf(c: Context<GatehouseEnv>): Promise<Principal> {
    const known = c.get('principal') as Principal | undefined;
    if (known) return known;
    const url = new URL(c.req.url);
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const principal = await verifier.verify({ headers, query: url.search.slice(1), ip: opts.clientIp?.(c) ?? '' });
    c.set('principal', principal);
    return principal;
  }

  const guard = (check: (c: Context<GatehouseEnv>) => Promise<void>): MiddlewareHandler<GatehouseEnv> =>
    createMiddleware<GatehouseEnv>(async (c, next) => {
      try {
        await check(c);
      } catch (err) {
        const p = problemResponse(err, realm);
        return c.body(JSON.stringify(p.body), p.status as 400, p.headers);
      }
      await next();
    });

  return {
    authenticate: guard(async (c) => {
      await principalOf(c);
    }),
    requireScopes: (...scopes) =>
      guard(async (c) => {
        checkScopes(await principalOf(c), scopes);
      }),
    requireMemorySpace: (select = (c) => c.req.header('x-memory-space')) =>
      guard(async (c) => {
        c.set('memorySpace', checkMemorySpace(await principalOf(c), select(c)));
      }),
  };
}
