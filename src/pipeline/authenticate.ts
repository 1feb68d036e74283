import { GatehouseError } from '../errors/index.ts';
import { classifyCredential, unverifiedIssuer } from './classify.ts';
import { type ExtractedCredential, extractCredential, type RequestLike } from './extract.ts';
import type { Principal } from './principal.ts';

export type AuthMode = 'disabled' | 'token' | 'oauth2' | 'all';

/** Context a verifier may need besides the credential. */
export interface VerifyContext {
  readonly ip: string;
  /** The audience a Gatehouse token must name: a registered resource (RFC 8707); default the configured `audience`. */
  readonly audience?: string;
}

/** Gatehouse's own access tokens. */
export interface AccessTokenVerifier {
  readonly issuer: string;
  verify(token: string, ctx?: VerifyContext): Promise<Principal>;
  /**
   * The same as `verify` for a token the verified-token cache holds; undefined otherwise. Lets the
   * common case (a token seen before) skip decoding the payload to route it by issuer.
   */
  verifyCached?(token: string, ctx?: VerifyContext): Promise<Principal> | undefined;
}

/** API keys: `matches` is a cheap shape test; `verify` checks checksum, hash, state. */
export interface ApiKeyVerifier {
  matches(value: string): boolean;
  verify(key: string, ctx: VerifyContext): Promise<Principal>;
}

/** Trusted external issuers (the `oauth2` mode); a shared-secret issuer may take tokens without `iss`. */
export interface ExternalVerifier {
  trusts(issuer: string | undefined): boolean;
  verify(token: string, issuer: string | undefined, ctx: VerifyContext): Promise<Principal>;
}

/**
 * Checks a sender-constrained credential (DPoP proof, client certificate) against its request;
 * throws when it does not hold. Runs only for a bound credential or the `DPoP` scheme.
 */
export type SenderCheck = (principal: Principal, cred: ExtractedCredential, req: RequestLike) => Promise<void>;

export interface AuthenticatorOptions {
  readonly mode: AuthMode;
  readonly accessTokens: AccessTokenVerifier;
  readonly apiKeys?: ApiKeyVerifier;
  readonly external?: ExternalVerifier;
  /** The principal every request gets in `disabled` mode. */
  readonly developmentPrincipal?: () => Principal;
  /** Sender constraints (DPoP, mTLS); without it a bound credential or the DPoP scheme is refused. */
  readonly senderCheck?: SenderCheck;
}

export interface Authenticator {
  readonly mode: AuthMode;
  /** The Principal of a request, or throws: `credentials_missing` when it carries none. */
  authenticate(req: RequestLike): Promise<Principal>;
  /** Verifies one credential value (used by `/v1/auth/validate` and `/v1/api-keys/verify`). */
  verifyCredential(cred: ExtractedCredential, ctx: VerifyContext): Promise<Principal>;
}

const never = () => false;

/**
 * The pipeline's first half: extract → classify → verify → Principal. Every way Gatehouse is
 * used runs through one of these.
 *
 * @example
 * const auth = createAuthenticator({ mode: 'token', accessTokens, apiKeys });
 * const principal = await auth.authenticate({ headers: req.headers, ip: req.ip });
 */
export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const { mode, accessTokens, apiKeys, external } = opts;
  const acceptsKeys = mode === 'token' || mode === 'all';
  const acceptsExternal = mode === 'oauth2' || mode === 'all';

  async function verifyCredential(cred: ExtractedCredential, ctx: VerifyContext): Promise<Principal> {
    const shape = classifyCredential(cred.value, apiKeys?.matches ?? never);
    if (shape.kind === 'api_key') {
      if (!apiKeys || !acceptsKeys) throw new GatehouseError('credential_kind_not_allowed', `API keys are not accepted in ${mode} mode`);
      return apiKeys.verify(cred.value, ctx);
    }
    if (shape.kind === 'jwt') {
      const cached = accessTokens.verifyCached?.(cred.value, ctx);
      if (cached !== undefined) return cached;
      const issuer = unverifiedIssuer(cred.value);
      if (issuer === accessTokens.issuer) return accessTokens.verify(cred.value, ctx);
      if (external?.trusts(issuer)) {
        if (!acceptsExternal) throw new GatehouseError('credential_kind_not_allowed', `External tokens are not accepted in ${mode} mode`);
        return external.verify(cred.value, issuer, ctx);
      }
      throw new GatehouseError('invalid_issuer', 'Invalid issuer');
    }
    throw new GatehouseError('invalid_token', cred.source === 'bearer' || cred.source === 'dpop' ? 'Malformed token' : 'Invalid API key');
  }

  return {
    mode,
    verifyCredential,
    async authenticate(req) {
      if (mode === 'disabled' && opts.developmentPrincipal) return opts.developmentPrincipal();
      const cred = extractCredential(req);
      if (cred === undefined) throw new GatehouseError('credentials_missing', 'Authentication required');
      const principal = await verifyCredential(cred, { ip: req.ip, ...(req.audience !== undefined ? { audience: req.audience } : {}) });
      // A bearer credential without `cnf` pays nothing more.
      if (principal.confirmation === undefined && cred.source !== 'dpop') return principal;
      if (!opts.senderCheck) throw new GatehouseError('invalid_token', 'Sender-constrained credentials are not accepted here');
      await opts.senderCheck(principal, cred, req);
      return principal;
    },
  };
}
