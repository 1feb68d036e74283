import type { FastifyInstance } from 'fastify';
import { renderKey } from '../../../credentials/api-keys/render.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { getOrganizationById } from '../../../identity/organizations.ts';
import { FINGERPRINT } from '../../../oauth/sender/certificate.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { requestFacts } from '../../request-facts.ts';
import { actorOf } from '../identity/context.ts';
import { checkCidrs, checkMetadata, checkRateLimitTier, checkScopes, checkSpaces, KEY_LIFETIME_CEILING_DAYS, keyExpiry } from './checks.ts';
import { createdKeySchema, descriptionSchema, metadataSchema, nameSchema, scopesSchema, spacesSchema } from './schemas.ts';
import { readTenantFields, type TenantFields, tenantFieldSchemas } from './tenant-fields.ts';

interface CreateBody extends TenantFields {
  name: string;
  description?: string;
  scopes: string[];
  memory_spaces?: string[] | '*';
  expires_at?: string;
  expires_in_days?: number;
  environment?: 'live' | 'test';
  rate_limit?: string;
  metadata?: Record<string, unknown>;
  allowed_cidrs?: string[];
  certificate_thumbprint?: string;
}

/** `POST /v1/api-keys`: a key for the caller's organization, never wider than the caller. */
export default async function createKeyRoute(app: FastifyInstance): Promise<void> {
  const { services } = app;
  app.post<{ Body: CreateBody }>(
    '/v1/api-keys',
    {
      preHandler: requireAuth({ scopes: ['keys:write'] }),
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key (the key is in this response only)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'scopes'],
          properties: {
            name: nameSchema,
            description: descriptionSchema,
            scopes: scopesSchema,
            memory_spaces: spacesSchema,
            expires_at: { type: 'string', format: 'date-time' },
            expires_in_days: {
              type: 'integer',
              minimum: 1,
              maximum: KEY_LIFETIME_CEILING_DAYS,
              description: 'Lifetime in days; at most the lifetime policy (`apiKeyMaxLifetimeDays`, the organization policy)',
            },
            environment: { type: 'string', enum: ['live', 'test'] },
            rate_limit: { type: 'string', minLength: 1, maxLength: 64, description: 'Rate-limit tier name' },
            metadata: metadataSchema,
            allowed_cidrs: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 64 } },
            certificate_thumbprint: {
              type: 'string',
              maxLength: 100,
              description:
                'Bind the key to a client certificate: base64url SHA-256 of its DER (`x5t#S256`). The key is then refused on any request that does not present that certificate (TLS, or a trusted proxy header).',
            },
            ...tenantFieldSchemas,
          },
        },
        response: { 201: createdKeySchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body;
      const now = services.clock.now();
      if (b.expires_at !== undefined && b.expires_in_days !== undefined) {
        throw new GatehouseError('validation_failed', 'body must have at most one of expires_at and expires_in_days');
      }
      const requested =
        b.expires_at !== undefined
          ? Date.parse(b.expires_at)
          : b.expires_in_days !== undefined
            ? now + b.expires_in_days * 86_400_000
            : null;
      if (requested !== null && !(requested > now)) throw new GatehouseError('validation_failed', 'body/expires_at must be in the future');
      const org = await getOrganizationById(services.storage.db, principal.organizationId);
      const expiresAt = keyExpiry(principal, requested, now, [services.config.apiKeyMaxLifetimeDays, org.api_key_max_lifetime_days]);
      const spaces = (await readTenantFields(services.storage.db, principal, b)) ?? principal.memorySpaces;
      checkScopes(principal, b.scopes);
      await checkSpaces(services.storage.db, principal, spaces);
      checkCidrs(b.allowed_cidrs);
      if (b.certificate_thumbprint !== undefined && !FINGERPRINT.test(b.certificate_thumbprint))
        throw new GatehouseError('invalid_certificate_fingerprint', 'body/certificate_thumbprint must be 43 base64url characters');
      checkMetadata(b.metadata);
      checkRateLimitTier(services.config.rateLimitTiers, b.rate_limit);
      const { row, key } = await services.apiKeys.create({
        organizationId: principal.organizationId,
        createdBy: principal.userId ?? null,
        name: b.name,
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.environment !== undefined ? { environment: b.environment } : {}),
        scopes: b.scopes,
        memorySpaces: spaces,
        allowedCidrs: b.allowed_cidrs ?? null,
        rateLimit: b.rate_limit ?? null,
        ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
        expiresAt,
        ...(b.certificate_thumbprint !== undefined ? { certificateThumbprint: b.certificate_thumbprint } : {}),
      });
      services.audit.record({
        action: 'api_key.created',
        outcome: 'success',
        organizationId: row.organization_id,
        actor: actorOf(principal),
        target: { type: 'api_key', id: row.id },
        ...requestFacts(request),
      });
      reply.code(201);
      return { ...renderKey(row, now), key };
    },
  );
}
