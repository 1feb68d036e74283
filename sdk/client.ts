import type { RetryOptions } from './retry.ts';
import { type Credentials, Session } from './session.ts';
import { type CallOptions, call, type Method, type TransportOptions } from './transport.ts';
import type {
  Accepted,
  ApiKey,
  AuditEvent,
  CheckResult,
  CreateApiKey,
  CreatedApiKey,
  Invitation,
  LinkedIdentity,
  Me,
  Member,
  MemorySpace,
  Organization,
  Page,
  PageQuery,
  Principal,
  Registered,
  SigningKey,
  TokenResponse,
} from './types.ts';

export interface GatehouseClientOptions {
  /** Where Gatehouse answers, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** API key, login, or tokens you hold; without it only public calls work. */
  readonly credentials?: Credentials;
  /** Default organization (id or slug) for organization-scoped calls. */
  readonly organization?: string;
  /** Default memory space for `check()`. */
  readonly memorySpace?: string;
  readonly retry?: RetryOptions;
  /** Renew tokens this long before they expire (default 60 000 ms). */
  readonly refreshSkewMs?: number;
  readonly fetch?: typeof fetch;
  /** Epoch ms now (tests pass a frozen clock). */
  readonly now?: () => number;
  /** How to wait between retries (tests pass a recorder). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const enc = encodeURIComponent;

/**
 * A typed client for the Gatehouse HTTP API: API-key or login auth with single-flight refresh
 * before expiry, retries with exponential backoff and jitter that honour `Retry-After` on 429 and
 * 503, organization and memory-space defaults, and `GatehouseApiError`s carrying the stable codes.
 *
 * @example
 * import { GatehouseClient } from 'gatehouse/sdk';
 * const gh = new GatehouseClient({ baseUrl: 'http://127.0.0.1:8080', credentials: { email, password }, organization: 'acme' });
 * const key = await gh.apiKeys.create({ name: 'ci', scopes: ['contexts:read'] });
 * const spaces = await gh.memorySpaces.list();
 */
export class GatehouseClient {
  readonly session: Session | undefined;
  private readonly transport: TransportOptions;

  constructor(private readonly opts: GatehouseClientOptions) {
    const now = opts.now ?? Date.now;
    this.transport = {
      baseUrl: opts.baseUrl.replace(/\/$/, ''),
      retry: opts.retry ?? {},
      fetch: opts.fetch ?? fetch,
      now,
      sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      random: Math.random,
    };
    this.session = opts.credentials
      ? new Session(
          opts.credentials,
          (method, path, body) => call(this.transport, undefined, method, path, { body, auth: false }),
          now,
          opts.refreshSkewMs ?? 60_000,
        )
      : undefined;
  }

  /** Any call, for endpoints this client does not wrap yet. */
  request<T>(method: Method, path: string, opts?: CallOptions): Promise<T> {
    return call<T>(this.transport, this.session, method, path, opts);
  }

  private org(org: string | undefined): string {
    const o = org ?? this.opts.organization;
    if (o === undefined) throw new TypeError('No organization: pass one, or set `organization` on the client');
    return enc(o);
  }

  readonly health = () => this.request<{ status: string }>('GET', '/health', { auth: false });
  readonly ready = () => this.request<{ status: string }>('GET', '/ready', { auth: false });
  readonly jwks = () => this.request<{ keys: readonly Record<string, unknown>[] }>('GET', '/.well-known/jwks.json', { auth: false });

  readonly auth = {
    register: (body: { email: string; password: string; username?: string; name?: string }) =>
      this.request<Registered>('POST', '/v1/auth/register', { body, auth: false }),
    login: (body: { email?: string; username?: string; password: string; organization?: string }) =>
      this.request<TokenResponse>('POST', '/v1/auth/login', { body, auth: false }),
    refresh: (refreshToken: string) =>
      this.request<TokenResponse>('POST', '/v1/auth/refresh', { body: { refresh_token: refreshToken }, auth: false }),
    logout: (body: { refresh_token?: string } = {}) => this.request<unknown>('POST', '/v1/auth/logout', { body }),
    me: () => this.request<Me>('GET', '/v1/auth/me'),
    changePassword: (body: { current_password: string; new_password: string }) =>
      this.request<unknown>('POST', '/v1/auth/password', { body }),
  };

  /** The caller's linked sign-in providers (Google, GitHub, OIDC); needs the user's own session. */
  readonly identities = {
    list: () =>
      this.request<{ data: readonly LinkedIdentity[]; available: readonly { id: string; name: string }[] }>(
        'GET',
        '/v1/users/me/identities',
      ),
    /** Answers the provider URL to open in the user's browser; the callback there links the account. */
    link: (provider: string) =>
      this.request<{ authorization_url: string; expires_in: number }>('POST', `/v1/users/me/identities/${enc(provider)}`),
    unlink: (id: string) => this.request<unknown>('DELETE', `/v1/users/me/identities/${enc(id)}`),
  };

  readonly organizations = {
    register: (body: {
      organization_name: string;
      organization_slug: string;
      admin_email: string;
      admin_name: string;
      admin_password: string;
    }) => this.request<Registered>('POST', '/v1/organizations/register', { body, auth: false }),
    list: () => this.request<Page<Organization>>('GET', '/v1/organizations'),
    get: (org?: string) => this.request<Organization>('GET', `/v1/organizations/${this.org(org)}`),
    update: (body: { name?: string; slug?: string }, org?: string) =>
      this.request<Organization>('PATCH', `/v1/organizations/${this.org(org)}`, { body }),
    delete: (org?: string) => this.request<unknown>('DELETE', `/v1/organizations/${this.org(org)}`),
  };

  readonly members = {
    list: (org?: string) => this.request<Page<Member>>('GET', `/v1/organizations/${this.org(org)}/members`),
    add: (body: { email: string; role: string }, org?: string) =>
      this.request<Member>('POST', `/v1/organizations/${this.org(org)}/members`, { body }),
    setRole: (userId: string, role: string, org?: string) =>
      this.request<{ id: string; role: string }>('PATCH', `/v1/organizations/${this.org(org)}/members/${enc(userId)}`, { body: { role } }),
    remove: (userId: string, org?: string) => this.request<unknown>('DELETE', `/v1/organizations/${this.org(org)}/members/${enc(userId)}`),
  };

  readonly memorySpaces = {
    list: (query: PageQuery = {}, org?: string) =>
      this.request<Page<MemorySpace>>('GET', `/v1/organizations/${this.org(org)}/memory-spaces`, { query: { ...query } }),
    create: (body: { name: string; description?: string }, org?: string) =>
      this.request<MemorySpace>('POST', `/v1/organizations/${this.org(org)}/memory-spaces`, { body }),
    get: (space: string, org?: string) =>
      this.request<MemorySpace>('GET', `/v1/organizations/${this.org(org)}/memory-spaces/${enc(space)}`),
    update: (space: string, body: { name?: string; description?: string }, org?: string) =>
      this.request<MemorySpace>('PATCH', `/v1/organizations/${this.org(org)}/memory-spaces/${enc(space)}`, { body }),
    delete: (space: string, org?: string) =>
      this.request<unknown>('DELETE', `/v1/organizations/${this.org(org)}/memory-spaces/${enc(space)}`),
  };

  readonly invitations = {
    create: (body: { email: string; role: string }, org?: string) =>
      this.request<Invitation>('POST', `/v1/organizations/${this.org(org)}/invitations`, { body }),
    list: (org?: string) => this.request<Page<Invitation>>('GET', `/v1/organizations/${this.org(org)}/invitations`),
    revoke: (id: string, org?: string) => this.request<unknown>('DELETE', `/v1/organizations/${this.org(org)}/invitations/${enc(id)}`),
    accept: (body: { token: string; password?: string; name?: string; username?: string }) =>
      this.request<Accepted>('POST', '/v1/invitations/accept', { body, auth: body.password === undefined }),
  };

  readonly apiKeys = {
    create: (body: CreateApiKey) => this.request<CreatedApiKey>('POST', '/v1/api-keys', { body }),
    list: (query: PageQuery = {}) => this.request<Page<ApiKey>>('GET', '/v1/api-keys', { query: { ...query } }),
    get: (id: string) => this.request<ApiKey>('GET', `/v1/api-keys/${enc(id)}`),
    update: (id: string, body: Partial<Pick<CreateApiKey, 'name' | 'description' | 'scopes' | 'metadata'>>) =>
      this.request<ApiKey>('PATCH', `/v1/api-keys/${enc(id)}`, { body }),
    revoke: (id: string) => this.request<ApiKey>('DELETE', `/v1/api-keys/${enc(id)}`),
    rotate: (id: string, body: { grace_period_seconds?: number } = {}) =>
      this.request<CreatedApiKey>('POST', `/v1/api-keys/${enc(id)}/rotate`, { body }),
    verify: (body: { key: string; required_scopes?: string[]; memory_space?: string; client_ip?: string }) =>
      this.request<{ valid: boolean; key_id?: string; [field: string]: unknown }>('POST', '/v1/api-keys/verify', { body }),
  };

  readonly signingKeys = {
    list: () => this.request<Page<SigningKey>>('GET', '/v1/signing-keys'),
    rotate: () => this.request<SigningKey>('POST', '/v1/signing-keys/rotate'),
  };

  /** OAuth clients, registered resources (RFC 8707 / 9728) and the caller's consents. */
  readonly oauth = {
    clients: {
      list: (query: PageQuery = {}) => this.request<Page<Record<string, unknown>>>('GET', '/v1/oauth/clients', { query: { ...query } }),
      create: (body: Readonly<Record<string, unknown>>) => this.request<Record<string, unknown>>('POST', '/v1/oauth/clients', { body }),
      get: (id: string) => this.request<Record<string, unknown>>('GET', `/v1/oauth/clients/${enc(id)}`),
      update: (id: string, body: Readonly<Record<string, unknown>>) =>
        this.request<Record<string, unknown>>('PATCH', `/v1/oauth/clients/${enc(id)}`, { body }),
      delete: (id: string) => this.request<unknown>('DELETE', `/v1/oauth/clients/${enc(id)}`),
      rotateSecret: (id: string) => this.request<Record<string, unknown>>('POST', `/v1/oauth/clients/${enc(id)}/rotate-secret`),
    },
    resources: {
      list: (query: PageQuery = {}) => this.request<Page<Record<string, unknown>>>('GET', '/v1/oauth/resources', { query: { ...query } }),
      create: (body: { identifier: string; name?: string; scopes?: string[] }) =>
        this.request<Record<string, unknown>>('POST', '/v1/oauth/resources', { body }),
      get: (id: string) => this.request<Record<string, unknown>>('GET', `/v1/oauth/resources/${enc(id)}`),
      update: (id: string, body: { name?: string; scopes?: string[] }) =>
        this.request<Record<string, unknown>>('PATCH', `/v1/oauth/resources/${enc(id)}`, { body }),
      delete: (id: string) => this.request<unknown>('DELETE', `/v1/oauth/resources/${enc(id)}`),
    },
    consents: {
      list: () => this.request<Page<Record<string, unknown>>>('GET', '/v1/oauth/consents'),
      revoke: (id: string) => this.request<unknown>('DELETE', `/v1/oauth/consents/${enc(id)}`),
    },
  };

  readonly audit = {
    list: (
      query: PageQuery & {
        action?: string;
        actor?: string;
        actor_type?: string;
        target?: string;
        target_type?: string;
        outcome?: string;
        since?: string;
        until?: string;
      } = {},
    ) => this.request<Page<AuditEvent>>('GET', '/v1/audit-events', { query: { ...query } }),
  };

  /** The decision API with the client's own credential (`memorySpace` defaults to the client's). */
  check(body: { required_scopes?: string[]; memory_space?: string; method?: string; path?: string } = {}): Promise<CheckResult> {
    const space = body.memory_space ?? this.opts.memorySpace;
    return this.request<CheckResult>('POST', '/v1/auth/check', {
      body: { ...body, ...(space !== undefined ? { memory_space: space } : {}) },
    });
  }

  /** The presented credential's verified claims. */
  validate(): Promise<{ valid: boolean; claims: Record<string, unknown> | null; principal: Principal }> {
    return this.request('POST', '/v1/auth/validate');
  }
}
