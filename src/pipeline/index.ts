export {
  type AccessTokenVerifier,
  type ApiKeyVerifier,
  type Authenticator,
  type AuthenticatorOptions,
  type AuthMode,
  createAuthenticator,
  type ExternalVerifier,
  type SenderCheck,
  type VerifyContext,
} from './authenticate.ts';
export { classifyCredential } from './classify.ts';
export {
  type CredentialSource,
  type ExtractedCredential,
  extractCredential,
  type RequestLike,
  type SenderFacts,
} from './extract.ts';
export type { Confirmation, Principal, PrincipalKind } from './principal.ts';
