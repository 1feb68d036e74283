import type { FastifyInstance } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { constantTimeEqual } from '../../../lib/secure.ts';
import { csrfToken, INTERACTION_COOKIE, loadInteraction } from '../../../oauth/authorize/interaction.ts';
import { startFlow } from '../../../social/flows.ts';
import { socialProviders } from '../../../social/providers.ts';
import { cookieValue } from '../../cookie.ts';
import { formOf, oauthEndpointScope } from '../oauth/form.ts';
import { errorPage } from '../oauth/pages.ts';
import { setStateCookie } from './cookie.ts';

/**
 * `POST /oauth/interaction/social`: a provider button of the sign-in page. The pending
 * authorization (its cookie, the form's CSRF token) is remembered in the flow, so the provider's
 * callback resumes it: the browser ends back on the consent page of the authorization it started.
 */
export default async function interactionRoutes(app: FastifyInstance): Promise<void> {
  oauthEndpointScope(app);
  const { services } = app;
  const ctx = services.oauth;
  const providers = socialProviders(services.config);
  app.post(
    '/oauth/interaction/social',
    { config: { protected: false }, schema: { tags: ['oauth'], hide: true } },
    async (request, reply) => {
      const interaction = await loadInteraction(ctx, cookieValue(request, INTERACTION_COOKIE));
      if (!interaction)
        return errorPage(
          reply,
          400,
          'Sign-in expired',
          'This sign-in request has expired or was already used. Go back to the application and start again.',
        );
      const form = formOf(request);
      if (!constantTimeEqual(form.one('csrf') ?? '', csrfToken(ctx, interaction.handle)))
        return errorPage(reply, 403, 'Request refused', 'The form could not be verified. Go back to the application and start again.');
      const provider = providers.get(form.one('provider') ?? '');
      if (!provider) return errorPage(reply, 404, 'Unknown provider', 'This sign-in provider is not configured.');
      try {
        const { state, url } = await startFlow(services, provider, 'browser', { interactionHash: interaction.row.id_hash });
        setStateCookie(reply, services.config.publicUrl, state, services.config.socialFlowTtl);
        return reply.redirect(url.href, 303);
      } catch (err) {
        if (err instanceof GatehouseError) return errorPage(reply, err.status, err.spec.title, `${err.detail} (${err.code})`);
        throw err;
      }
    },
  );
}
