import type { ErrorName } from '../src/errors/registry.ts';

/** Stable Gatehouse error names (`token_expired`, `rate_limited`, …); other strings from newer servers pass through. */
export type GatehouseErrorName = ErrorName | (string & {});

/**
 * A problem+json answer from Gatehouse: the HTTP status, the stable `code` (`ERR-4004`) and
 * `error` name, the public `detail`, and the request id to quote in a support request.
 *
 * @example
 * try { await gh.apiKeys.get('key_x'); } catch (err) {
 *   if (err instanceof GatehouseApiError && err.error === 'not_found') …
 * }
 */
export class GatehouseApiError extends Error {
  override readonly name = 'GatehouseApiError';
  readonly status: number;
  /** Stable code, `ERR-NNNN` (`ERR-0000` when the body was not a Gatehouse problem). */
  readonly code: string;
  readonly error: GatehouseErrorName;
  readonly title: string;
  readonly detail: string;
  readonly requestId: string | undefined;
  /** Seconds from `Retry-After`, when the server sent it. */
  readonly retryAfter: number | undefined;
  /** The whole problem body (validation errors carry `errors`). */
  readonly body: Readonly<Record<string, unknown>>;

  constructor(status: number, body: Readonly<Record<string, unknown>>, retryAfter: number | undefined) {
    const detail = typeof body.detail === 'string' ? body.detail : `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.code = typeof body.code === 'string' ? body.code : 'ERR-0000';
    this.error = typeof body.error === 'string' ? body.error : 'unknown';
    this.title = typeof body.title === 'string' ? body.title : `HTTP ${status}`;
    this.detail = detail;
    this.requestId = typeof body.request_id === 'string' ? body.request_id : undefined;
    this.retryAfter = retryAfter;
    this.body = body;
  }
}

/** Gatehouse could not be reached (connection refused, reset, DNS) after every retry. */
export class GatehouseNetworkError extends Error {
  override readonly name = 'GatehouseNetworkError';
}
