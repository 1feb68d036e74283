import type { Role } from '../identity/tables.ts';

/** What kind of caller a Principal is. */
export type PrincipalKind = 'user' | 'api_key' | 'oauth_client' | 'external' | 'development';

/** RFC 8693 §4.1 `act`: the party acting for the subject; a nested `act` is the one before it in a chain. */
export interface Actor {
  /** `cli_…` for an agent (a registered OAuth client). */
  readonly sub: string;
  readonly act?: Actor;
}

/**
 * The one answer to "who is calling": every later step (authorize, rate-limit, audit, routes)
 * reads only this. It never holds a secret.
 */
export interface Principal {
  readonly kind: PrincipalKind;
  /** `usr_…`, `key_…`, `cli_…`, or the external issuer's `sub`. */
  readonly subject: string;
  /** The organization (tenant) the credential is bound to. */
  readonly organizationId: string;
  /** The user's role in that organization (users only). */
  readonly role: Role | null;
  /** Granted scopes (already narrowed to what the issuer held). */
  readonly scopes: readonly string[];
  /** Memory spaces the credential may touch: a list of names, or `'*'` for every space of the organization. */
  readonly memorySpaces: readonly string[] | '*';
  /** Id of the credential: key id, session id, token `jti`. */
  readonly credentialId: string;
  /** Login session (refresh family) behind a user access token. */
  readonly sessionId?: string;
  /** Rate-limit tier or policy name the credential runs under. */
  readonly rateLimitPolicy?: string;
  /** Epoch ms after which the credential stops working, when it has an expiry. */
  readonly expiresAt?: number;
  /** `iss` of the token, for JWT principals. */
  readonly issuer?: string;
  /** The acting user behind a key or token, when there is one (`usr_…`). */
  readonly userId?: string;
  /** The agent acting for the user (a token from RFC 8693 token exchange), innermost `act` the first in the chain. */
  readonly act?: Actor;
  /** The OAuth client (`cli_…`) a user's token was issued to; absent on Gatehouse's own login sessions. */
  readonly clientId?: string;
  /**
   * The key or certificate the credential is bound to (RFC 7800 `cnf`): a DPoP key thumbprint
   * (`jkt`, RFC 9449) or a client-certificate thumbprint (`x5t#S256`, RFC 8705). Absent: a bearer credential.
   */
  readonly confirmation?: Confirmation;
}

export interface Confirmation {
  readonly jkt?: string;
  readonly 'x5t#S256'?: string;
}

/**
 * Whether a credential was handed to a third party rather than held by the user or organization
 * itself: an external issuer's token, an OAuth client's own token, or a user's token issued to an
 * OAuth client (delegated, exchanged or not). Such a credential may use what it was granted but
 * never mint a lasting one (an API key) or change how the user signs in.
 */
export function isDelegated(principal: Principal): boolean {
  return (
    principal.kind === 'external' || principal.kind === 'oauth_client' || principal.clientId !== undefined || principal.act !== undefined
  );
}

/**
 * The user of a user's own login session, or undefined for any other credential (an API key, a
 * client's token, a user's token issued to a client). What changes how the user signs in (the
 * password, the linked providers) takes this.
 */
export function ownSessionUser(principal: Principal): string | undefined {
  return principal.kind === 'user' && !isDelegated(principal) ? principal.userId : undefined;
}
