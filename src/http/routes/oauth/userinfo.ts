import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAuthError } from '../../../oauth/errors.ts';
import { userClaims } from '../../../oauth/issue.ts';

/** `GET|POST /oauth/userinfo` (OpenID Connect Core §5.3): claims about the user for a token with `openid`. */
export default async function userinfoRoute(app: FastifyInstance): Promise<void> {
  const ctx = app.services.oauth;
  const handler = async (request: FastifyRequest) => {
    const auth = request.headers.authorization;
    const m = typeof auth === 'string' ? /^bearer +(\S+)$/i.exec(auth.trim()) : null;
    if (!m?.[1]) throw new OAuthError('invalid_token', 'A Bearer access token is required', 401);
    let principal: Awaited<ReturnType<typeof ctx.tokens.verify>>;
    try {
      principal = await ctx.tokens.verify(m[1], { ip: request.ip });
    } catch {
      throw new OAuthError('invalid_token', 'The access token is invalid, expired or revoked', 401);
    }
    if (principal.userId === undefined || !principal.scopes.includes('openid')) {
      throw new OAuthError('insufficient_scope', 'The access token lacks the openid scope', 403);
    }
    return { sub: principal.userId, ...(await userClaims(ctx, principal.userId, principal.scopes)) };
  };
  const opts = { config: { protected: false }, schema: { tags: ['oauth'], summary: 'OpenID Connect userinfo' } } as const;
  app.get('/oauth/userinfo', opts, handler);
  app.post('/oauth/userinfo', opts, handler);
}
