import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { membershipsOfUser } from '../../../identity/memberships.ts';
import { constantTimeEqual } from '../../../lib/secure.ts';
import {
  currentBrowserSession,
  endBrowserSession,
  SESSION_COOKIE,
  sessionCookieMaxAge,
  startBrowserSession,
} from '../../../oauth/authorize/browser-session.ts';
import { issueCode, rememberedConsent } from '../../../oauth/authorize/complete.ts';
import {
  csrfToken,
  finishInteraction,
  INTERACTION_COOKIE,
  type Interaction,
  loadInteraction,
  startInteraction,
} from '../../../oauth/authorize/interaction.ts';
import { errorRedirect, PageError, RedirectError, validateAuthorizationRequest } from '../../../oauth/authorize/request.ts';
import { signIn } from '../../../oauth/authorize/sign-in.ts';
import type { OAuthContext } from '../../../oauth/context.ts';
import { OAuthError } from '../../../oauth/errors.ts';
import { setInteractionUser } from '../../../oauth/records/interactions.ts';
import { providerButtons } from '../../../social/providers.ts';
import { cookieValue, setCookie } from '../../cookie.ts';
import { requestFacts } from '../../request-facts.ts';
import { formOf, queryOf } from './form.ts';
import { consentPage, errorPage, loginPage, sendPage } from './pages.ts';

const cookieOf = (request: FastifyRequest, name = INTERACTION_COOKIE) => cookieValue(request, name);

/** The authorization cookies live under /oauth. */
const setOAuthCookie = (ctx: OAuthContext, reply: FastifyReply, value: string, maxAge: number, name = INTERACTION_COOKIE) =>
  setCookie(reply, ctx.config.publicUrl, name, value, maxAge, '/oauth');

const expired = (reply: FastifyReply) =>
  errorPage(
    reply,
    400,
    'Sign-in expired',
    'This sign-in request has expired or was already used. Go back to the application and start again.',
  );

/** Handles the errors of an interaction page: shown on the page, or sent to the verified redirect URI. */
async function guarded(ctx: OAuthContext, reply: FastifyReply, work: () => Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof PageError) return errorPage(reply, err.status, err.title, err.detail);
    if (err instanceof RedirectError) return reply.redirect(errorRedirect(ctx, err), 303);
    throw err;
  }
}

/**
 * The authorization endpoint and its pages: `GET /oauth/authorize` validates and starts an
 * interaction bound to the browser by a cookie; `GET /oauth/interaction` shows the sign-in or
 * consent page; their forms post back (CSRF token, 303 after every POST).
 */
export default async function authorizeRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.services.oauth;
  const { limits } = app.services;
  const page = { config: { protected: false }, schema: { tags: ['oauth'], hide: true } } as const;

  /**
   * Completes when consent is remembered (and not re-asked), else shows the consent page;
   * `silent` (prompt=none): answers consent_required instead of a page.
   */
  async function consentOrComplete(reply: FastifyReply, interaction: Interaction, userId: string, silent = false): Promise<FastifyReply> {
    const { request } = interaction;
    const memberships = await membershipsOfUser(ctx.storage.db, userId);
    if (memberships.length === 0)
      throw new RedirectError(request.redirectUri, new OAuthError('access_denied', 'The user belongs to no organization'), request.state);
    if (!request.prompt.includes('consent')) {
      for (const m of memberships) {
        if (await rememberedConsent(ctx, userId, request.clientId, m.organization_id, request.scopes)) {
          if (!(await finishInteraction(ctx, interaction))) return expired(reply);
          const location = await issueCode(ctx, interaction, userId, m.organization_id, false);
          setOAuthCookie(ctx, reply, '', 0);
          return reply.redirect(location, 303);
        }
      }
    }
    if (silent) {
      await finishInteraction(ctx, interaction);
      throw new RedirectError(request.redirectUri, new OAuthError('consent_required', 'Consent is required'), request.state);
    }
    const client = await ctx.resolveClient(request.clientId);
    return consentPage(reply, {
      clientName: client.name,
      clientId: client.id,
      clientUri: client.clientUri,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      resources: request.resources,
      organizations: memberships.map((m) => ({ id: m.organization_id, name: m.name })),
      csrf: csrfToken(ctx, interaction.handle),
    });
  }

  /** The interaction of the request's cookie whose form carries its CSRF token; else a page answers. */
  async function formInteraction(request: FastifyRequest, reply: FastifyReply): Promise<Interaction | FastifyReply> {
    const interaction = await loadInteraction(ctx, cookieOf(request));
    if (!interaction) return expired(reply);
    const csrf = formOf(request).one('csrf') ?? '';
    if (!constantTimeEqual(csrf, csrfToken(ctx, interaction.handle))) {
      return errorPage(reply, 403, 'Request refused', 'The form could not be verified. Go back to the application and start again.');
    }
    return interaction;
  }

  app.get('/oauth/authorize', page, (request, reply) =>
    guarded(ctx, reply, async () => {
      const { request: validated } = await validateAuthorizationRequest(ctx, queryOf(request));
      // A browser signed in here skips the sign-in page, unless prompt=login or its sign-in is older than max_age.
      const session = validated.prompt.includes('login') ? undefined : await currentBrowserSession(ctx, cookieOf(request, SESSION_COOKIE));
      const fresh =
        session !== undefined && (validated.maxAge === null || ctx.clock.now() - session.auth_time <= validated.maxAge * 1000)
          ? { userId: session.user_id, authTime: session.auth_time }
          : undefined;
      if (validated.prompt.includes('none')) {
        if (!fresh)
          throw new RedirectError(validated.redirectUri, new OAuthError('login_required', 'Sign-in is required'), validated.state);
        const interaction = await loadInteraction(ctx, await startInteraction(ctx, validated, fresh));
        if (!interaction) return expired(reply);
        return consentOrComplete(reply, interaction, fresh.userId, true);
      }
      const handle = await startInteraction(ctx, validated, fresh);
      setOAuthCookie(ctx, reply, handle, ctx.config.oauthInteractionTtl);
      return reply.redirect('/oauth/interaction', 303);
    }),
  );

  app.get('/oauth/interaction', page, (request, reply) =>
    guarded(ctx, reply, async () => {
      const interaction = await loadInteraction(ctx, cookieOf(request));
      if (!interaction) return expired(reply);
      const client = await ctx.resolveClient(interaction.request.clientId);
      if (interaction.row.user_id === null)
        return loginPage(reply, 200, {
          clientName: client.name,
          csrf: csrfToken(ctx, interaction.handle),
          providers: providerButtons(ctx.config),
        });
      return consentOrComplete(reply, interaction, interaction.row.user_id);
    }),
  );

  app.post('/oauth/interaction/login', page, (request, reply) =>
    guarded(ctx, reply, async () => {
      const interaction = await formInteraction(request, reply);
      if (!('handle' in interaction)) return interaction;
      const form = formOf(request);
      const identifier = (form.one('identifier') ?? '').slice(0, 320);
      const password = (form.one('password') ?? '').slice(0, 1024);
      const client = await ctx.resolveClient(interaction.request.clientId);
      const csrf = csrfToken(ctx, interaction.handle);
      if (identifier === '' || password === '')
        return loginPage(reply, 400, {
          clientName: client.name,
          csrf,
          identifier,
          error: 'Enter your email or username and your password.',
        });
      let userId: string | undefined;
      try {
        userId = await signIn(ctx, limits.guard, identifier, password, requestFacts(request));
      } catch (err) {
        if (err instanceof GatehouseError && err.error === 'too_many_attempts') {
          const wait = Math.max(1, Math.ceil(err.extras.retryAfter ?? 60));
          reply.header('retry-after', String(wait));
          return loginPage(reply, 429, {
            clientName: client.name,
            csrf,
            identifier,
            error: `Too many attempts. Try again in ${wait} seconds.`,
          });
        }
        throw err;
      }
      if (userId === undefined)
        return loginPage(reply, 401, { clientName: client.name, csrf, identifier, error: 'Incorrect email, username or password.' });
      const now = ctx.clock.now();
      await setInteractionUser(ctx.storage.db, interaction.row.id_hash, userId, now);
      // The browser is now signed in here: a later authorization needs no password (a previous session of this browser ends).
      await endBrowserSession(ctx, cookieOf(request, SESSION_COOKIE));
      const session = await startBrowserSession(ctx, userId, now, requestFacts(request));
      if (session !== undefined) setOAuthCookie(ctx, reply, session, sessionCookieMaxAge(ctx), SESSION_COOKIE);
      return reply.redirect('/oauth/interaction', 303);
    }),
  );

  app.post('/oauth/interaction/consent', page, (request, reply) =>
    guarded(ctx, reply, async () => {
      const interaction = await formInteraction(request, reply);
      if (!('handle' in interaction)) return interaction;
      const userId = interaction.row.user_id;
      if (userId === null) return reply.redirect('/oauth/interaction', 303);
      const form = formOf(request);
      const { request: authz } = interaction;
      if (form.one('decision') !== 'allow') {
        if (!(await finishInteraction(ctx, interaction))) return expired(reply);
        setOAuthCookie(ctx, reply, '', 0);
        throw new RedirectError(authz.redirectUri, new OAuthError('access_denied', 'The user denied the request'), authz.state);
      }
      const memberships = await membershipsOfUser(ctx.storage.db, userId);
      const org = memberships.find((m) => m.organization_id === form.one('organization'));
      if (!org) return errorPage(reply, 400, 'Invalid organization', 'Choose one of your organizations.');
      if (!(await finishInteraction(ctx, interaction))) return expired(reply);
      const location = await issueCode(ctx, interaction, userId, org.organization_id, true);
      setOAuthCookie(ctx, reply, '', 0);
      return reply.redirect(location, 303);
    }),
  );

  app.post('/oauth/logout', page, async (request, reply) => {
    const ended = await endBrowserSession(ctx, cookieOf(request, SESSION_COOKIE));
    if (ended) {
      ctx.audit.record({
        action: 'auth.logout',
        outcome: 'success',
        organizationId: null,
        actor: { type: 'user', id: ended.user_id },
        target: { type: 'session', id: ended.session_id },
        ...requestFacts(request),
        details: { via: 'oauth_logout' },
      });
    }
    setOAuthCookie(ctx, reply, '', 0, SESSION_COOKIE);
    return sendPage(reply, 200, 'Signed out', '<h1>Signed out</h1><p>You are signed out of this authorization server.</p>');
  });
}
