import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { authorize } from '../../../authorization/index.ts';
import { GatehouseError } from '../../../errors/index.ts';
import { constantTimeEqual } from '../../../lib/secure.ts';
import { principalOf, requireAuth } from '../../auth.ts';
import { checkedMemorySpace } from '../../memory-space.ts';

interface VerifyBody {
  key: string;
  required_scopes?: string[];
  memory_space?: string;
  client_ip?: string;
  client_certificate_thumbprint?: string;
}

/**
 * `POST /v1/api-keys/verify`: a service holding `keys:verify` checks a key it received. An
 * invalid key is `valid: false` with its code, not an HTTP error. Keys of other organizations
 * answer exactly like unknown ones.
 */
export default async function verifyKeyRoute(app: FastifyInstance): Promise<void> {
  const { services } = app;
  app.post<{ Body: VerifyBody }>(
    '/v1/api-keys/verify',
    {
      preHandler: requireAuth({ scopes: ['keys:verify'] }),
      schema: {
        tags: ['api keys'],
        summary: 'Verify an API key on behalf of a service',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['key'],
          properties: {
            key: { type: 'string', minLength: 1, maxLength: 512 },
            required_scopes: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 200 } },
            memory_space: { type: 'string', 'x-space-name': true },
            client_ip: {
              type: 'string',
              maxLength: 64,
              description: "IP of the client that presented the key, checked against the key's CIDR allowlist (default: the caller's IP)",
            },
            client_certificate_thumbprint: {
              type: 'string',
              pattern: '^[A-Za-z0-9_-]{43}$',
              description:
                'x5t#S256 of the client certificate the key was presented with; required for a key bound to a certificate, which is invalid without it or with another',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              valid: { type: 'boolean' },
              code: { type: ['string', 'null'] },
              error: { type: ['string', 'null'], description: 'Stable error name when invalid, e.g. `api_key_revoked`' },
              detail: { type: 'string', description: 'Why the key is invalid (never contains the key)' },
              key_id: { type: 'string' },
              organization_id: { type: 'string' },
              scopes: { type: 'array', items: { type: 'string' } },
              memory_spaces: { oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }] },
              memory_space: { type: ['string', 'null'] },
              expires_at: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
    async (request) => {
      const caller = principalOf(request);
      const b = request.body;
      if (b.client_ip !== undefined && isIP(b.client_ip) === 0) {
        throw new GatehouseError('validation_failed', 'body/client_ip must be an IPv4 or IPv6 address');
      }
      try {
        if (!services.apiKeys.matches(b.key)) throw new GatehouseError('api_key_invalid', 'Invalid API key');
        const p = await services.apiKeys.verifyForOrganization(b.key, { ip: b.client_ip ?? request.ip }, caller.organizationId);
        // A certificate-bound key is valid only with that certificate, as on any protected route.
        const x5t = p.confirmation?.['x5t#S256'];
        if (
          x5t !== undefined &&
          (b.client_certificate_thumbprint === undefined || !constantTimeEqual(b.client_certificate_thumbprint, x5t))
        )
          throw new GatehouseError('certificate_binding_mismatch', 'This API key is bound to a client certificate that was not presented');
        const space = await checkedMemorySpace(services.storage.db, p, b.memory_space, 'body/memory_space');
        authorize(p, { scopes: b.required_scopes ?? [] });
        return {
          valid: true,
          code: null,
          error: null,
          key_id: p.subject,
          organization_id: p.organizationId,
          scopes: p.scopes,
          memory_spaces: p.memorySpaces,
          memory_space: space ?? null,
          expires_at: p.expiresAt !== undefined ? new Date(p.expiresAt).toISOString() : null,
        };
      } catch (err) {
        if (!(err instanceof GatehouseError) || err.status >= 500) throw err;
        return { valid: false, code: err.code, error: err.error, detail: err.detail };
      }
    },
  );
}
