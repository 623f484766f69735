/**
 * When a request may be sent again, and after how long. The rule is the Python SDK's: connection failures, `429` and
 * `503` only, with exponential backoff and full jitter, honouring `Retry-After`; and only for a request that is
 * idempotent (reads, replacements, revocations) or carries an `Idempotency-Key`. A `POST` that is neither is sent
 * once: a retry could do the thing twice.
 */
export interface RetryPolicy {
  /** Attempts after the first; `0` turns retries off. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` beyond this is not waited for: the error is thrown with `retryAfter` set instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

export const RETRYABLE_STATUSES = new Set([429, 503]);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Whether a request may be sent more than once without doing its thing twice. */
export function mayRetry(method: string, headers: Headers, retryable: boolean): boolean {
  return retryable || IDEMPOTENT_METHODS.has(method.toUpperCase()) || headers.has('idempotency-key');
}

/** The backoff before attempt `attempt + 1`: full jitter, so that clients that failed together do not retry together. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/** `Retry-After` in milliseconds: a number of seconds, or an HTTP date. */
export function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const when = Date.parse(text);
  return Number.isNaN(when) ? undefined : Math.max(0, when - Date.now());
}

/** Waits `ms`, or rejects as soon as `signal` aborts, with its reason (as `fetch` does). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
