import { GatehouseError } from '../../errors/index.ts';
import { constantTimeEqual } from '../../lib/secure.ts';
import type { SenderCheck } from '../../pipeline/index.ts';
import { DpopFailure, type DpopVerifier } from './dpop.ts';

/** RFC 6750 quoted-string content: printable ASCII without `"` and `\`. */
const q = (s: string) => `"${s.replace(/["\\]/g, '').replace(/[^\x20-\x7e]/g, '?')}"`;

/** The `WWW-Authenticate: DPoP …` challenge (RFC 9449 §7.1), with a fresh nonce when nonces are required. */
export function dpopChallengeHeaders(
  dpop: DpopVerifier,
  realm: string,
  error: string,
  description: string,
  withNonce = dpop.requiresNonce,
): Record<string, string> {
  const challenge = `DPoP realm=${q(realm)}, error=${q(error)}, error_description=${q(description)}, algs=${q(dpop.algorithms.join(' '))}`;
  return { 'www-authenticate': challenge, ...(withNonce ? { 'dpop-nonce': dpop.nonce() } : {}) };
}

/**
 * The pipeline's one sender-constraint hook (runs only for a credential with `cnf` or the `DPoP`
 * scheme): a DPoP-bound token needs the DPoP scheme and a proof of its key for this request
 * (`ath` included); a token sent with the DPoP scheme must be DPoP-bound; a certificate-bound
 * credential needs that certificate on the connection.
 *
 * @example
 * createAuthenticator({ ..., senderCheck: createSenderCheck(dpop, config.realm) });
 */
export function createSenderCheck(dpop: DpopVerifier, realm: string): SenderCheck {
  const fail = (error: 'dpop_proof_invalid' | 'dpop_nonce_required' | 'dpop_proof_replayed' | 'dpop_bound_token_as_bearer', why: string) =>
    new GatehouseError(error, why, {
      headers: dpopChallengeHeaders(
        dpop,
        realm,
        error === 'dpop_nonce_required'
          ? 'use_dpop_nonce'
          : error === 'dpop_bound_token_as_bearer'
            ? 'invalid_token'
            : 'invalid_dpop_proof',
        why,
        dpop.requiresNonce || error === 'dpop_nonce_required',
      ),
    });

  return async function senderCheck(principal, cred, req) {
    const cnf = principal.confirmation;
    const facts = req.sender?.();
    if (cred.source === 'dpop') {
      if (cnf?.jkt === undefined) throw fail('dpop_proof_invalid', 'The token is not DPoP-bound; send it with the Bearer scheme');
      if (facts === undefined) throw fail('dpop_proof_invalid', 'DPoP-bound tokens cannot be checked on this route');
      let jkt: string;
      try {
        ({ jkt } = await dpop.verify(facts.proof, { method: facts.method, url: facts.url, accessToken: cred.value }));
      } catch (err) {
        if (!(err instanceof DpopFailure)) throw err;
        throw fail(
          err.kind === 'nonce' ? 'dpop_nonce_required' : err.kind === 'replayed' ? 'dpop_proof_replayed' : 'dpop_proof_invalid',
          err.message,
        );
      }
      if (!constantTimeEqual(jkt, cnf.jkt)) throw fail('dpop_proof_invalid', 'The DPoP proof key is not the key the token is bound to');
    } else if (cnf?.jkt !== undefined) {
      throw fail('dpop_bound_token_as_bearer', 'This token is DPoP-bound: send it with the DPoP scheme and a proof');
    }
    const x5t = cnf?.['x5t#S256'];
    if (x5t !== undefined) {
      const presented = facts?.certificateThumbprint;
      if (presented === undefined || !constantTimeEqual(presented, x5t)) {
        throw new GatehouseError(
          'certificate_binding_mismatch',
          'The credential is bound to a client certificate this request did not present',
        );
      }
    }
  };
}
