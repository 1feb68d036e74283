import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEventInput } from '../../../audit/audit.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { membershipsOfUser } from '../../../identity/memberships.ts';
import { constantTimeEqual } from '../../../lib/secure.ts';
import { signInInteraction } from '../../../oauth/authorize/external-sign-in.ts';
import { linkProfile, renderIdentity, signInWithProfile } from '../../../social/accounts.ts';
import { claimFlow, completeFlow } from '../../../social/flows.ts';
import { type SocialProvider, socialProviders } from '../../../social/providers.ts';
import type { SocialFlowRow } from '../../../social/tables.ts';
import { cookieValue } from '../../cookie.ts';
import { requestFacts } from '../../request-facts.ts';
import { errorPage } from '../oauth/pages.ts';
import { STATE_COOKIE, setStateCookie } from './cookie.ts';
import { PRESET_IDS } from './start.ts';

/**
 * `GET /v1/auth/{provider}/callback`, in order: the provider is configured; the `state` matches
 * this browser's cookie; the flow is claimed once (a replay fails here); the provider's answer is
 * validated and its code exchanged; then, by the flow's purpose, tokens are answered (API), the
 * OAuth authorization resumes (browser), or the provider is linked (link). Every failure is a
 * stable `ERR-802x` and an audit event; a browser flow shows it on a page.
 */
export default async function callbackRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const providers = socialProviders(services.config);
  const ids = [...new Set([...PRESET_IDS, ...providers.keys()])];

  const audit = (request: FastifyRequest, e: Omit<AuditEventInput, 'ip' | 'userAgent' | 'requestId'>) =>
    services.audit.record({ ...e, ...requestFacts(request) });

  async function organizationOf(userId: string) {
    const [first] = await membershipsOfUser(services.storage.db, userId);
    return first;
  }

  async function handle(request: FastifyRequest, reply: FastifyReply, provider: SocialProvider, flow: SocialFlowRow, state: string) {
    const id = provider.config.id;
    const params = new URL(request.url, 'http://callback').searchParams;
    const profile = await completeFlow(services, provider, state, params);
    if (flow.purpose === 'link') {
      const identity = await linkProfile(services, flow.user_id ?? '', id, profile);
      audit(request, {
        action: 'user.identity.linked',
        outcome: 'success',
        organizationId: (await organizationOf(identity.user_id))?.organization_id ?? null,
        actor: { type: 'user', id: identity.user_id },
        target: { type: 'identity', id: identity.id },
        details: { provider: id },
      });
      return reply.header('cache-control', 'no-store').send({ identity: renderIdentity(identity) });
    }
    const signedIn = await signInWithProfile(services, id, profile);
    const membership = await organizationOf(signedIn.user.id);
    if (!membership) throw new GatehouseError('invalid_credentials', 'The user belongs to no organization');
    const event = {
      outcome: 'success' as const,
      organizationId: membership.organization_id,
      actor: { type: 'user' as const, id: signedIn.user.id },
    };
    if (signedIn.via !== 'linked')
      audit(request, {
        ...event,
        action: 'user.identity.linked',
        target: { type: 'identity', id: signedIn.identity.id },
        details: { provider: id, via: signedIn.via },
      });
    if (flow.purpose === 'browser') {
      if (!(await signInInteraction(services.oauth, flow.interaction_hash ?? '', signedIn.user.id)))
        throw new GatehouseError(
          'social_state_invalid',
          'The authorization this sign-in belongs to has expired; go back to the application and start again',
        );
      audit(request, { ...event, action: 'auth.social.succeeded', details: { provider: id, via: 'oauth_authorize' } });
      return reply.redirect('/oauth/interaction', 303);
    }
    const { session_id, ...tokens } = await services.sessions.start({
      userId: signedIn.user.id,
      organizationId: membership.organization_id,
      role: membership.role,
      ...requestFacts(request),
    });
    audit(request, { ...event, action: 'auth.social.succeeded', target: { type: 'session', id: session_id }, details: { provider: id } });
    return reply.header('cache-control', 'no-store').send(tokens);
  }

  for (const id of ids) {
    app.get(
      `/v1/auth/${id}/callback`,
      {
        config: { protected: false },
        schema: {
          tags: ['identity'],
          summary: `The ${providers.get(id)?.config.name ?? id} sign-in callback: answers the same tokens as /v1/auth/login (API flow)`,
          hide: true,
        },
      },
      async (request, reply) => {
        const provider = providers.get(id);
        if (!provider) throw new GatehouseError('social_provider_unknown', `Sign-in with ${id} is not configured`);
        const state = new URL(request.url, 'http://callback').searchParams.get('state') ?? '';
        const cookie = cookieValue(request, STATE_COOKIE) ?? '';
        setStateCookie(reply, services.config.publicUrl, '', 0);
        let flow: SocialFlowRow | undefined;
        try {
          if (state === '' || cookie === '' || !constantTimeEqual(state, cookie))
            throw new GatehouseError('social_state_invalid', 'The state does not match the sign-in this browser started');
          flow = await claimFlow(services, provider, state);
          return await handle(request, reply, provider, flow, state);
        } catch (err) {
          if (!(err instanceof GatehouseError)) throw err;
          audit(request, {
            action: flow?.purpose === 'link' ? 'user.identity.link_failed' : 'auth.social.failed',
            outcome: 'failure',
            organizationId: null,
            actor: flow?.user_id ? { type: 'user', id: flow.user_id } : { type: 'anonymous', id: null },
            details: { provider: id, code: err.code },
          });
          if (flow?.purpose === 'browser') return errorPage(reply, err.status, err.spec.title, `${err.detail} (${err.code})`);
          throw err;
        }
      },
    );
  }
}
