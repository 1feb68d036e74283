import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { problemResponse } from '../src/edge/problem-response.ts';
import { checkMemorySpace, checkScopes, createGatehouseVerifier, type GatehouseVerifierOptions, type Principal } from './core/index.ts';

export type { GatehouseVerifierOptions, Principal };

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by Gatehouse's `authenticate` (and every guard that runs it). */
    principal?: Principal;
    /** Set by `requireMemorySpace()`. */
    memorySpace?: string;
  }
}

export interface ExpressGatehouseOptions extends GatehouseVerifierOptions {
  /** `realm` of the challenges (default `gatehouse`). */
  readonly realm?: string;
}

/** Express middleware; each guard authenticates first when that has not happened yet. */
export interface ExpressGatehouse {
  readonly authenticate: RequestHandler;
  requireScopes(...scopes: string[]): RequestHandler;
  /** The space from `select` (default: the `X-Memory-Space` header), checked against the credential; sets `req.memorySpace`. */
  requireMemorySpace(select?: (req: Request) => string | undefined): RequestHandler;
}

const header = (req: Request): string | undefined => req.get('x-memory-space');

/**
 * Gatehouse for an Express API: JWTs verified locally from the JWKS, API keys through the decision
 * API (cached briefly), and the same 401/403 problem+json answers as Gatehouse.
 *
 * @example
 * import { gatehouse } from 'gatehouse/express';
 * const auth = gatehouse({ url: 'http://127.0.0.1:8080' });
 * app.get('/v1/spaces/:space/recall', auth.requireScopes('memories:read'), auth.requireMemorySpace((req) => req.params.space),
 *   (req, res) => res.json({ who: req.principal?.subject, space: req.memorySpace }));
 */
export function gatehouse(opts: ExpressGatehouseOptions): ExpressGatehouse {
  const verifier = createGatehouseVerifier(opts);
  const realm = opts.realm ?? 'gatehouse';

  function refuse(res: Response, err: unknown): void {
    const p = problemResponse(err, realm);
    res.status(p.status).set(p.headers).send(JSON.stringify(p.body));
  }

  async function principalOf(req: Request): Promise<Principal> {
    if (req.principal) return req.principal;
    const q = req.originalUrl.indexOf('?');
    req.principal = await verifier.verify({
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      query: q === -1 ? '' : req.originalUrl.slice(q + 1),
      ip: req.ip ?? req.socket.remoteAddress ?? '',
    });
    return req.principal;
  }

  /** Runs `check` and calls `next()`, or answers the refusal. */
  const guard =
    (check: (req: Request) => Promise<void>): RequestHandler =>
    (req: Request, res: Response, next: NextFunction) => {
      check(req).then(
        () => next(),
        (err: unknown) => refuse(res, err),
      );
    };

  return {
    authenticate: guard(async (req) => {
      await principalOf(req);
    }),
    requireScopes: (...scopes) =>
      guard(async (req) => {
        checkScopes(await principalOf(req), scopes);
      }),
    requireMemorySpace: (select = header) =>
      guard(async (req) => {
        req.memorySpace = checkMemorySpace(await principalOf(req), select(req));
      }),
  };
}
