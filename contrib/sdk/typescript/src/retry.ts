// retry.ts - when a failed attempt is tried again, and after how long.

/** How the client retries a failed attempt. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 4). 1 switches retries off. */
  maxAttempts?: number;
  /** The backoff ceiling of the first retry, in ms (default 500); it doubles each retry. */
  baseDelayMs?: number;
  /** The largest backoff ceiling, in ms (default 10000). */
  maxDelayMs?: number;
  /**
   * No retry starts later than this many ms after the first attempt (default 30000). A
   * `Retry-After` that asks for longer ends the retries at once, with the error.
   */
  maxElapsedMs?: number;
}

export interface ResolvedRetry {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxElapsedMs: number;
}

export const DEFAULT_RETRY: ResolvedRetry = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  maxElapsedMs: 30_000,
};

export function resolveRetry(r: RetryOptions | false | undefined): ResolvedRetry {
  if (r === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  const out = { ...DEFAULT_RETRY, ...(r ?? {}) };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isFinite(v) || v < 0) throw new TypeError(`retry.${k} must be a number >= 0`);
  }
  out.maxAttempts = Math.max(1, Math.floor(out.maxAttempts));
  return out;
}

/** Statuses worth another attempt: rate limited, or the gateway/chain side failed. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Connection errors raised before a byte of the request left: the server cannot have
 * acted on the request.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The error code (`ECONNREFUSED`, ...) under a fetch failure, if any. */
export function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function neverSent(err: unknown): boolean {
  const code = networkCode(err);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

/**
 * `Retry-After` as ms from now: delta-seconds or an HTTP date (RFC 9110 10.2.3).
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Exponential backoff with full jitter: a uniformly random wait between 0 and
 * min(maxDelayMs, baseDelayMs * 2^(retry - 1)) for the retry'th retry (1, 2, ...).
 */
export function backoffDelay(retry: number, r: ResolvedRetry, random: () => number = Math.random): number {
  const ceiling = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** Waits ms, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
