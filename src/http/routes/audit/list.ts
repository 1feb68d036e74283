import type { FastifyInstance } from 'fastify';
import { auditEventSchema, renderEvent } from '../../../audit/render.ts';
import { listEvents } from '../../../audit/repository.ts';
import type { AuditEventRow } from '../../../audit/tables.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { checkCursor, page } from '../identity/context.ts';

interface ListQuery {
  limit: number;
  cursor?: string;
  action?: string;
  actor?: string;
  actor_type?: string;
  target?: string;
  target_type?: string;
  outcome?: AuditEventRow['outcome'];
  since?: string;
  until?: string;
}

const idFilter = { type: 'string', minLength: 1, maxLength: 200 } as const;

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new GatehouseError('validation_failed', `querystring/${name} must be a date-time`);
  return ms;
}

/** `GET /v1/audit-events`: the caller's organization's audit trail, newest first. Owners and admins. */
export default async function listAuditEventsRoute(app: FastifyInstance): Promise<void> {
  const { services } = app;

  app.get<{ Querystring: ListQuery }>(
    '/v1/audit-events',
    {
      preHandler: requireAuth({ scopes: ['audit:read'], minimumRole: 'admin' }),
      schema: {
        tags: ['audit'],
        summary: "List the organization's audit events, newest first",
        description:
          "Owners and admins (or a key with `audit:read`). Only events of the caller's organization. Filters combine with AND; `action` takes an exact name or a prefix ending in `*` (`auth.login.*`).",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            cursor: { type: 'string', maxLength: 100, description: '`next_cursor` of the previous page' },
            action: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{0,100}\\*?$', minLength: 1, maxLength: 101 },
            actor: { ...idFilter, description: 'Actor id (`usr_…`, `key_…`, `cli_…`)' },
            actor_type: { type: 'string', enum: ['user', 'api_key', 'oauth_client', 'external', 'anonymous', 'system', 'development'] },
            target: { ...idFilter, description: 'Target id' },
            target_type: { type: 'string', minLength: 1, maxLength: 50 },
            outcome: { type: 'string', enum: ['success', 'failure', 'denied'] },
            since: { type: 'string', format: 'date-time', description: 'Inclusive' },
            until: { type: 'string', format: 'date-time', description: 'Exclusive' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { data: { type: 'array', items: auditEventSchema }, next_cursor: { type: ['string', 'null'] } },
          },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const since = time(q.since, 'since');
      const until = time(q.until, 'until');
      if (since !== undefined && until !== undefined && since > until)
        throw new GatehouseError('validation_failed', 'querystring/since must not be after until');
      // Read what this node still holds in its write buffer, too.
      await services.audit.flush();
      const rows = await listEvents(
        services.storage.db,
        {
          organizationId: principal.organizationId,
          ...(q.action !== undefined ? { action: q.action } : {}),
          ...(q.actor !== undefined ? { actorId: q.actor } : {}),
          ...(q.actor_type !== undefined ? { actorType: q.actor_type } : {}),
          ...(q.target !== undefined ? { targetId: q.target } : {}),
          ...(q.target_type !== undefined ? { targetType: q.target_type } : {}),
          ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
        },
        q.limit,
        checkCursor(q.cursor),
      );
      const result = page(rows, q.limit);
      return { data: result.data.map(renderEvent), next_cursor: result.next_cursor };
    },
  );
}
