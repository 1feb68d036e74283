import { GatehouseApiError, GatehouseNetworkError } from './errors.ts';
import { parseRetryAfter, type RetryOptions, retryDelay } from './retry.ts';
import type { Session } from './session.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface CallOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** false for public endpoints (login, refresh, register). */
  readonly auth?: boolean;
}

export interface TransportOptions {
  readonly baseUrl: string;
  readonly retry: RetryOptions;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

const IDEMPOTENT = new Set<Method>(['GET', 'DELETE']);

function url(base: string, path: string, query: CallOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return `${base}${path}${qs ? `?${qs}` : ''}`;
}

async function problemOf(res: Response, now: number): Promise<GatehouseApiError> {
  const body: unknown = await res.json().catch(() => ({}));
  const b = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return new GatehouseApiError(res.status, b, parseRetryAfter(res.headers.get('retry-after'), now));
}

/**
 * Sends a JSON request: authenticated through `session` unless `auth: false`; on 429 and 503 it
 * waits (`Retry-After`, else exponential backoff with jitter) and tries again; a network failure
 * is retried the same way for GET and DELETE only; a 401 for an expired or revoked token renews
 * the session once and repeats the request.
 */
export async function call<T>(
  t: TransportOptions,
  session: Session | undefined,
  method: Method,
  path: string,
  opts: CallOptions = {},
): Promise<T> {
  const retries = t.retry.retries ?? 3;
  let renewed = false;
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.auth !== false && session) Object.assign(headers, await session.headers());
    let res: Response;
    try {
      res = await t.fetch(url(t.baseUrl, path, opts.query), {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
    } catch (err) {
      const wait = attempt < retries && IDEMPOTENT.has(method) ? retryDelay(attempt, undefined, t.retry, t.random) : undefined;
      if (wait === undefined) throw new GatehouseNetworkError(`Gatehouse could not be reached: ${(err as Error).message}`, { cause: err });
      await t.sleep(wait);
      continue;
    }
    if (res.ok) return (res.status === 204 ? undefined : await res.json()) as T;
    const problem = await problemOf(res, t.now());
    if (
      res.status === 401 &&
      !renewed &&
      opts.auth !== false &&
      session?.renewable &&
      ['token_expired', 'token_revoked'].includes(problem.error)
    ) {
      renewed = true;
      await session.renew();
      attempt--;
      continue;
    }
    if ((res.status === 429 || res.status === 503) && attempt < retries) {
      const wait = retryDelay(attempt, problem.retryAfter, t.retry, t.random);
      if (wait !== undefined) {
        await t.sleep(wait);
        continue;
      }
    }
    throw problem;
  }
}
