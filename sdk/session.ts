import { GatehouseApiError } from './errors.ts';
import type { TokenResponse } from './types.ts';

/** How the client authenticates: an API key, a login (refreshed before expiry), or tokens you already hold. */
export type Credentials =
  | { readonly apiKey: string }
  | { readonly email: string; readonly password: string; readonly organization?: string }
  | { readonly accessToken: string; readonly refreshToken?: string; readonly expiresAt?: number };

/** Sends one unauthenticated JSON request (with the client's retries); the session uses it to log in and refresh. */
export type PublicCall = <T>(method: 'POST', path: string, body: unknown) => Promise<T>;

/**
 * The credential state of a client. Tokens are refreshed `skewMs` before they expire, and
 * concurrent callers share one refresh (single flight): a rotating refresh token presented twice
 * would end the session. A refresh the server refuses falls back to logging in again when the
 * client holds a password.
 */
export class Session {
  private access: string | undefined;
  private refresh: string | undefined;
  private expiresAt = 0;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly credentials: Credentials,
    private readonly call: PublicCall,
    private readonly now: () => number,
    private readonly skewMs: number,
  ) {
    if ('accessToken' in credentials) {
      this.access = credentials.accessToken;
      this.refresh = credentials.refreshToken;
      this.expiresAt = credentials.expiresAt ?? Number.POSITIVE_INFINITY;
    }
  }

  /** True when a 401 may be cured by refreshing (tokens, not API keys). */
  get renewable(): boolean {
    return !('apiKey' in this.credentials) && (this.refresh !== undefined || 'password' in this.credentials);
  }

  /** The headers that authenticate the next request, refreshing first when the token is about to expire. */
  async headers(): Promise<Record<string, string>> {
    if ('apiKey' in this.credentials) return { 'x-api-key': this.credentials.apiKey };
    if (this.access === undefined || this.expiresAt - this.now() <= this.skewMs) await this.renew();
    return { authorization: `Bearer ${this.access}` };
  }

  /** Refreshes now (single flight: callers arriving during a refresh wait for the same one). */
  renew(): Promise<void> {
    this.inflight ??= this.doRenew().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** The current tokens (for callers that persist them), or undefined with an API key. */
  tokens(): { accessToken: string; refreshToken?: string; expiresAt: number } | undefined {
    if (this.access === undefined) return undefined;
    return { accessToken: this.access, ...(this.refresh !== undefined ? { refreshToken: this.refresh } : {}), expiresAt: this.expiresAt };
  }

  private take(t: TokenResponse): void {
    this.access = t.access_token;
    this.refresh = t.refresh_token;
    const at = Date.parse(t.expires_at);
    this.expiresAt = Number.isNaN(at) ? this.now() + t.expires_in * 1000 : at;
  }

  private async doRenew(): Promise<void> {
    if (this.refresh !== undefined) {
      try {
        this.take(await this.call<TokenResponse>('POST', '/v1/auth/refresh', { refresh_token: this.refresh }));
        return;
      } catch (err) {
        this.refresh = undefined;
        if (!(err instanceof GatehouseApiError) || !('password' in this.credentials)) throw err;
      }
    }
    const c = this.credentials;
    if (!('password' in c))
      throw new GatehouseApiError(
        401,
        { code: 'ERR-4001', error: 'credentials_missing', detail: 'The session ended and the client holds no password to log in again' },
        undefined,
      );
    this.take(
      await this.call<TokenResponse>('POST', '/v1/auth/login', {
        email: c.email,
        password: c.password,
        ...(c.organization !== undefined ? { organization: c.organization } : {}),
      }),
    );
  }
}
