import type { SocialProvider } from './providers.ts';

/** Who the provider says signed in. `emailVerified` is true only when the provider vouches for it. */
export interface UpstreamProfile {
  readonly subject: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
}

/** What a provider client needs per sign-in: everything derived from the flow's `state`. */
export interface UpstreamFlow {
  readonly provider: SocialProvider;
  /** Our callback URL, registered at the provider. */
  readonly redirectUri: string;
  readonly state: string;
  /** PKCE verifier and nonce, derived from the state with the server pepper (never stored). */
  readonly codeVerifier: string;
  readonly nonce: string;
  /** Milliseconds each outbound request may take. */
  readonly timeoutMs: number;
  /** Epoch ms, for the ID token's time checks. */
  readonly now: number;
}

export interface UpstreamClient {
  authorizationUrl(flow: UpstreamFlow): Promise<URL>;
  /** Validates the callback's parameters and exchanges the code; answers the verified profile. */
  complete(flow: UpstreamFlow, callback: URLSearchParams): Promise<UpstreamProfile>;
}
