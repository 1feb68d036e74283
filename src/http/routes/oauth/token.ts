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
import { formOf } from './form.ts';

type Grant = (ctx: OAuthContext, client: Client, params: OAuthParams, ip: string | null) => Promise<TokenBody>;

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
 * the grant, run the grant. `Cache-Control: no-store` on every answer.
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
      const client = await authenticateClient(ctx, request.headers.authorization, params, `${ctx.config.publicUrl}/oauth/token`);
      if (!client.grantTypes.includes(type as (typeof client.grantTypes)[number])) {
        throw new OAuthError('unauthorized_client', `The client may not use ${type}`);
      }
      const body = await grant(ctx, client, params, request.ip);
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return body;
    },
  );
}
