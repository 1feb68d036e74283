import type { Principal } from '../pipeline/principal.ts';
import type { Services } from '../services.ts';
import type { AccessLog } from './log-controller.ts';
import type { ProtectedRoute } from './protected-routes.ts';
import type { RouteFacts } from './route-facts.ts';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    /** Every route that runs the authentication pipeline. */
    protectedRoutes: readonly ProtectedRoute[];
    /** The access log and request metrics (flush() writes the lines still queued). */
    accessLog: AccessLog;
  }
  interface FastifyRequest {
    /** Set by the `authenticate` preHandler on protected routes. */
    principal: Principal | null;
    /** The matched route's pattern and config, once read (`routeOf`). */
    routeFacts: RouteFacts | null;
  }
  interface FastifyContextConfig {
    /** false on public routes: no WWW-Authenticate challenge is added to their errors. */
    protected?: boolean;
    /** false on routes never rate-limited: probes, metrics, documents, discovery. */
    rateLimit?: false;
    /** true where the `resource` query parameter names the registered resource (RFC 8707) a token must be for. */
    resourceParam?: true;
    /** true on compatibility aliases of native routes (src/http/routes/compat/). */
    compatAlias?: true;
    /** 'forwarded' on the decision API: DPoP proofs are checked against `X-Original-Method` and `X-Original-URL`. */
    senderTarget?: 'forwarded';
  }
}
