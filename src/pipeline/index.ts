export {
  type AccessTokenVerifier,
  type ApiKeyVerifier,
  type Authenticator,
  type AuthenticatorOptions,
  type AuthMode,
  createAuthenticator,
  type ExternalVerifier,
  type VerifyContext,
} from './authenticate.ts';
export { classifyCredential } from './classify.ts';
export { type CredentialSource, type ExtractedCredential, extractCredential, type RequestLike } from './extract.ts';
export type { Principal, PrincipalKind } from './principal.ts';
