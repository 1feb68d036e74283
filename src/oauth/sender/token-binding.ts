import type { Confirmation } from '../../pipeline/index.ts';
import type { Client } from '../clients/client.ts';
import type { OAuthContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { DpopFailure } from './dpop.ts';

/** What the token endpoint saw of the sender: the `DPoP` header and the client certificate. */
export interface TokenRequestSender {
  readonly proof: string | string[] | undefined;
  /** `x5t#S256` of the certificate the client authenticated with (tls_client_auth, self_signed_tls_client_auth). */
  readonly certificateThumbprint: string | undefined;
  /** The token endpoint URL (`htu`). */
  readonly url: string;
}

/** `DPoP-Nonce` for the next proof, when nonces are required. */
export function nonceHeaders(ctx: OAuthContext): Record<string, string> {
  return ctx.sender.dpop.requiresNonce ? { 'dpop-nonce': ctx.sender.dpop.nonce() } : {};
}

/**
 * The `cnf` of the tokens this request gets (RFC 9449 §5, RFC 8705 §3): the DPoP proof's key
 * when a `DPoP` header is sent (verified: POST to the token endpoint, fresh, once), and the
 * client certificate when the client authenticated with one. Undefined: bearer tokens.
 */
export async function tokenBinding(ctx: OAuthContext, client: Client, sender: TokenRequestSender): Promise<Confirmation | undefined> {
  let jkt: string | undefined;
  if (sender.proof !== undefined) {
    try {
      ({ jkt } = await ctx.sender.dpop.verify(sender.proof, { method: 'POST', url: sender.url }));
    } catch (err) {
      if (!(err instanceof DpopFailure)) throw err;
      if (err.kind === 'nonce') throw new OAuthError('use_dpop_nonce', err.message, 400, { 'dpop-nonce': ctx.sender.dpop.nonce() });
      throw new OAuthError('invalid_dpop_proof', err.message, 400, nonceHeaders(ctx));
    }
  }
  const certificateBound = client.authMethod === 'tls_client_auth' || client.authMethod === 'self_signed_tls_client_auth';
  const x5t = certificateBound ? sender.certificateThumbprint : undefined;
  if (jkt === undefined && x5t === undefined) return undefined;
  return { ...(jkt !== undefined ? { jkt } : {}), ...(x5t !== undefined ? { 'x5t#S256': x5t } : {}) };
}
