import type { FastifyInstance } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { deleteConsent, listConsents } from '../../../oauth/records/consents.ts';
import type { OAuthConsentRow } from '../../../oauth/tables.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { actorOf } from '../identity/context.ts';

const consentSchema = { type: 'object', additionalProperties: true } as const;

function render(c: OAuthConsentRow) {
  return {
    id: c.id,
    client_id: c.client_id,
    organization_id: c.organization_id,
    scope: c.scope,
    created_at: new Date(c.created_at).toISOString(),
  };
}

/** `/v1/oauth/consents`: the calling user's remembered consents; deleting one ends the grants made under it. */
export default async function consentRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  app.get(
    '/v1/oauth/consents',
    {
      preHandler: requireAuth({ scopes: ['consents:read'] }),
      schema: {
        tags: ['oauth'],
        summary: "The caller's remembered OAuth consents",
        response: { 200: { type: 'object', properties: { data: { type: 'array', items: consentSchema } } } },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const rows = p.userId === undefined ? [] : await listConsents(services.storage.db, p.userId);
      return { data: rows.filter((r) => r.organization_id === p.organizationId).map(render) };
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/oauth/consents/:id',
    {
      preHandler: requireAuth({ scopes: ['consents:write'] }),
      schema: {
        tags: ['oauth'],
        summary: 'Revoke a consent: the client must ask again, and the tokens granted under it stop',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } },
        response: { 200: { type: 'object', properties: { id: { type: 'string' }, grants_ended: { type: 'integer' } } } },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const rows = p.userId === undefined ? [] : await listConsents(services.storage.db, p.userId);
      const row = rows.find((r) => r.id === request.params.id && r.organization_id === p.organizationId);
      if (!row || p.userId === undefined || !(await deleteConsent(services.storage.db, p.userId, row.id))) {
        throw new GatehouseError('not_found', 'Consent not found');
      }
      const ended = await services.oauth.endGrants({ consentId: row.id });
      services.audit.record({
        action: 'oauth.consent.revoked',
        outcome: 'success',
        organizationId: row.organization_id,
        actor: actorOf(p),
        target: { type: 'oauth_consent', id: row.id },
        ...requestFacts(request),
        details: { grants_ended: ended },
      });
      return { id: row.id, grants_ended: ended };
    },
  );
}
