import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorize } from '../../../authorization/index.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { operatorOrganizationId } from '../../../identity/organizations.ts';
import { validateClientMetadata } from '../../../oauth/clients/metadata.ts';
import { renderClient } from '../../../oauth/clients/render.ts';
import { OAuthError } from '../../../oauth/errors.ts';
import type { Principal } from '../../../pipeline/principal.ts';
import { requestFacts } from '../../request-facts.ts';
import { actorOf } from '../identity/context.ts';

/**
 * Who registers: the initial access token's principal (an owner's or admin's own session, or an API
 * key with `clients:write`; never a delegated token, which would mint a client that outlives its grant), or nobody when anonymous registration is on and no credential is sent.
 */
async function registrant(request: FastifyRequest): Promise<Principal | null> {
  const { authenticator, config } = request.server.services;
  const hasCredential = request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;
  if (!hasCredential && config.oauthAnonymousRegistration) return null;
  try {
    const principal = await authenticator.authenticate({ headers: request.headers, rawHeaders: request.raw.rawHeaders, ip: request.ip });
    authorize(principal, { scopes: ['clients:write'], minimumRole: 'admin', ownCredential: true });
    return principal;
  } catch (err) {
    if (err instanceof GatehouseError && err.status === 403)
      throw new OAuthError(
        'insufficient_scope',
        'The initial access token may not register clients (clients:write, owner or admin, a session or API key rather than a delegated token)',
      );
    if (err instanceof GatehouseError && err.status < 500)
      throw new OAuthError('invalid_token', err.status === 401 ? err.detail : 'A valid initial access token is required', 401);
    throw err;
  }
}

/** `POST /oauth/register` (RFC 7591): dynamic client registration. The secret is shown once. */
export default async function registerRoute(app: FastifyInstance): Promise<void> {
  const { services } = app;
  app.post(
    '/oauth/register',
    {
      config: { protected: false },
      schema: {
        tags: ['oauth'],
        summary: 'Register a client (RFC 7591); needs an initial access token unless anonymous registration is on',
        body: { type: 'object', additionalProperties: true },
      },
    },
    async (request, reply) => {
      const principal = await registrant(request);
      const organizationId = principal?.organizationId ?? (await operatorOrganizationId(services.storage.db));
      if (organizationId === undefined) throw new OAuthError('temporarily_unavailable', 'The server has no organization yet', 503);
      const metadata = validateClientMetadata(request.body);
      const { row, secret } = await services.oauth.clients.create(organizationId, metadata, principal?.userId ?? null);
      services.audit.record({
        action: 'oauth.client.registered',
        outcome: 'success',
        organizationId,
        actor: principal ? actorOf(principal) : { type: 'anonymous', id: null },
        target: { type: 'oauth_client', id: row.id },
        ...requestFacts(request),
      });
      reply.code(201).header('cache-control', 'no-store');
      return { ...renderClient(row), ...(secret !== undefined ? { client_secret: secret, client_secret_expires_at: 0 } : {}) };
    },
  );
}
