/** The RFC 6750 / RFC 6749 error word a problem maps to, when it has one. */
export type OAuthErrorWord =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_grant'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'temporarily_unavailable'
  | 'server_error'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** One entry of the error registry. `title` is public and stable; `description` documents it. */
export interface ErrorSpec {
  /** Stable number, `ERR-NNNN`. Never reused, never renumbered. */
  readonly code: `ERR-${number}`;
  readonly status: number;
  /** Short public summary, the problem's `title`. */
  readonly title: string;
  /** What it means and what the caller can do; rendered into docs/errors.md. */
  readonly description: string;
  /** For 401/403/400 on protected routes: the `error` word of the `WWW-Authenticate` challenge. */
  readonly oauth?: OAuthErrorWord;
}
