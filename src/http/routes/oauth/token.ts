import type { FastifyInstance } from 'fastify';
import { authenticateClient } from '../../../oauth/client-auth.ts';
import type { Client } from '../../../oauth/clients/client.ts';
import type { OAuthContext, OAuthParams } from '../../../oauth/context.ts';
import { OAuthError } from '../../../oauth/errors.ts';
import * as authorizationCode from '../../../oauth/grants/authorization-code.ts';
import * as clientCredentials from '../../../oauth/grants/client-credentials.ts';
import * as deviceCode from '../../../oauth/grants/device-code.ts';
import * as refreshToken from '../../../oauth/grants/refresh-token.ts';
import * as tokenExchange from '../../../oauth/grants/token-exchange.ts';
import type { TokenBody } from '../../../oauth/issue.ts';
import { nonceHeaders, tokenBinding } from '../../../oauth/sender/token-binding.ts';
import type { Confirmation } from '../../../pipeline/index.ts';
import { presentedCertificate } from '../../client-certificate.ts';
import { formOf } from './form.ts';

/** `cnf`: the DPoP key or client certificate the issued tokens are bound to (undefined: bearer). */
type Grant = (
  ctx: OAuthContext,
  client: Client,
  params: OAuthParams,
  ip: string | null,
  cnf: Confirmation | undefined,
) => Promise<TokenBody>;

/** Each grant is a module exporting its type, parameters and handler. */
const GRANTS: ReadonlyMap<string, Grant> = new Map<string, Grant>([
  [authorizationCode.grantType, authorizationCode.handler],
  [refreshToken.grantType, refreshToken.handler],
  [clientCredentials.grantType, clientCredentials.handler],
  [deviceCode.grantType, deviceCode.handler],
  [tokenExchange.grantType, tokenExchange.handler],
]);

/**
 * `POST /oauth/token`: read the grant type, authenticate the client, check the client may use
 * the grant, verify the sender constraint (DPoP proof, client certificate), run the grant. `Cache-Control: no-store` on every answer.
 */
export default async function tokenRoute(app: FastifyInstance): Promise<void> {
  const ctx = app.services.oauth;
  app.post(
    '/oauth/token',
    {
      config: { protected: false },
      schema: {
        tags: ['oauth'],
        summary: `Token endpoint (RFC 6749 §3.2): ${[...GRANTS.keys()].join(', ')}`,
        consumes: ['application/x-www-form-urlencoded'],
      },
    },
    async (request, reply) => {
      const params = formOf(request);
      const type = params.one('grant_type');
      if (type === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
      const grant = GRANTS.get(type);
      if (grant === undefined) throw new OAuthError('unsupported_grant_type', `Supported: ${[...GRANTS.keys()].join(', ')}`);
      const endpoint = `${ctx.config.publicUrl}/oauth/token`;
      const certificate = presentedCertificate(request);
      const client = await authenticateClient(ctx, request.headers.authorization, params, endpoint, certificate);
      if (!client.grantTypes.includes(type as (typeof client.grantTypes)[number])) {
        throw new OAuthError('unauthorized_client', `The client may not use ${type}`);
      }
      const cnf = await tokenBinding(ctx, client, {
        proof: request.headers.dpop,
        certificateThumbprint: certificate?.thumbprint,
        url: endpoint,
      });
      const body = await grant(ctx, client, params, request.ip, cnf);
      if (cnf?.jkt !== undefined) reply.headers(nonceHeaders(ctx));
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return body;
    },
  );
}
