import type { FastifyInstance } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { startFlow } from '../../../social/flows.ts';
import { socialProviders } from '../../../social/providers.ts';
import { setStateCookie } from './cookie.ts';

/** The presets: their entry points always exist (and answer 404 `ERR-8020` until configured), so the seed's aliases can point at them. */
export const PRESET_IDS = ['google', 'github'] as const;

/**
 * `GET /v1/auth/{provider}`: starts the API sign-in at the provider (302 to its authorization
 * page, the state bound to this browser by a cookie). The callback answers Gatehouse tokens.
 */
export default async function startRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const providers = socialProviders(services.config);
  const ids = [...new Set([...PRESET_IDS, ...providers.keys()])];
  for (const id of ids) {
    app.get(
      `/v1/auth/${id}`,
      {
        config: { protected: false },
        schema: {
          // A browser navigation, not an API call (like the sign-in pages): documented in docs/oauth.md.
          hide: true,
        },
      },
      async (_request, reply) => {
        const provider = providers.get(id);
        if (!provider) throw new GatehouseError('social_provider_unknown', `Sign-in with ${id} is not configured`);
        const { state, url } = await startFlow(services, provider, 'api');
        setStateCookie(reply, services.config.publicUrl, state, services.config.socialFlowTtl);
        return reply.header('cache-control', 'no-store').redirect(url.href, 302);
      },
    );
  }
}
