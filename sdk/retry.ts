/** How the client retries 429, 503 and network failures. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 turns retrying off). */
  readonly retries?: number;
  /** First backoff in ms (default 200); doubles each attempt. */
  readonly baseDelayMs?: number;
  /** Longest wait in ms, `Retry-After` included (default 30 000): a longer `Retry-After` is not waited for. */
  readonly maxDelayMs?: number;
}

/**
 * The wait before retry `attempt` (0-based): `Retry-After` when the server gave one, else
 * exponential backoff with full jitter (a random wait up to base·2^attempt, capped).
 * Undefined when the wait would exceed `maxDelayMs`.
 */
export function retryDelay(
  attempt: number,
  retryAfterSeconds: number | undefined,
  opts: RetryOptions,
  random: () => number = Math.random,
): number | undefined {
  const max = opts.maxDelayMs ?? 30_000;
  if (retryAfterSeconds !== undefined) {
    const ms = retryAfterSeconds * 1000;
    return ms <= max ? ms : undefined;
  }
  const ceiling = Math.min(max, (opts.baseDelayMs ?? 200) * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** `Retry-After` in seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}
