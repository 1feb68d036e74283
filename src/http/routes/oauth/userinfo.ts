import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatehouseError } from '../../../errors/index.ts';
import { OAuthError } from '../../../oauth/errors.ts';
import { userClaims } from '../../../oauth/issue.ts';
import type { Principal } from '../../../pipeline/index.ts';
import { presentedCertificate } from '../../client-certificate.ts';

/** A DPoP- or certificate-bound token needs its proof or certificate here too (RFC 9449 §7, RFC 8705 §3). */
async function checkSender(request: FastifyRequest, principal: Principal, token: string, dpop: boolean): Promise<void> {
  if (principal.confirmation === undefined && !dpop) return;
  const { sender, config } = request.server.services;
  try {
    await sender.check(
      principal,
      { value: token, source: dpop ? 'dpop' : 'bearer' },
      {
        headers: request.headers,
        ip: request.ip,
        sender: () => ({
          method: request.method,
          url: `${config.publicUrl}/oauth/userinfo`,
          proof: request.headers.dpop,
          certificateThumbprint: presentedCertificate(request)?.thumbprint,
        }),
      },
    );
  } catch (err) {
    if (!(err instanceof GatehouseError)) throw err;
    const word = err.spec.oauth === 'invalid_dpop_proof' || err.spec.oauth === 'use_dpop_nonce' ? err.spec.oauth : 'invalid_token';
    throw new OAuthError(word, err.detail, 401, err.extras.headers);
  }
}

/** `GET|POST /oauth/userinfo` (OpenID Connect Core §5.3): claims about the user for a token with `openid`. */
export default async function userinfoRoute(app: FastifyInstance): Promise<void> {
  const ctx = app.services.oauth;
  const handler = async (request: FastifyRequest) => {
    const auth = request.headers.authorization;
    const m = typeof auth === 'string' ? /^(bearer|dpop) +(\S+)$/i.exec(auth.trim()) : null;
    if (!m?.[2]) throw new OAuthError('invalid_token', 'A Bearer access token is required', 401);
    let principal: Awaited<ReturnType<typeof ctx.tokens.verify>>;
    try {
      principal = await ctx.tokens.verify(m[2], { ip: request.ip });
    } catch {
      throw new OAuthError('invalid_token', 'The access token is invalid, expired or revoked', 401);
    }
    await checkSender(request, principal, m[2], m[1]?.toLowerCase() === 'dpop');
    if (principal.userId === undefined || !principal.scopes.includes('openid')) {
      throw new OAuthError('insufficient_scope', 'The access token lacks the openid scope', 403);
    }
    return { sub: principal.userId, ...(await userClaims(ctx, principal.userId, principal.scopes)) };
  };
  const opts = { config: { protected: false }, schema: { tags: ['oauth'], summary: 'OpenID Connect userinfo' } } as const;
  app.get('/oauth/userinfo', opts, handler);
  app.post('/oauth/userinfo', opts, handler);
}
