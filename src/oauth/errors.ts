/** RFC 6749 §5.2 / RFC 7591 §3.2.2 / RFC 6750 error words the OAuth endpoints answer with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'login_required'
  | 'consent_required'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unsupported_token_type'
  // RFC 8628 §3.5 device-flow polling answers.
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  // RFC 9449 DPoP.
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

const STATUS: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  server_error: 500,
  temporarily_unavailable: 503,
};

/**
 * An error an OAuth endpoint answers as `{"error", "error_description"}` (never problem+json).
 * The description is public: it never holds a secret, code or token.
 *
 * @example
 * throw new OAuthError('invalid_grant', 'The authorization code has expired');
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly status: number;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    status?: number,
    /** Extra response headers (e.g. `DPoP-Nonce`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
    this.status = status ?? STATUS[error] ?? 400;
  }

  /** The RFC 6749 body. */
  body(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
