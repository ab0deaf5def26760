import pRetry, { AbortError } from 'p-retry';

export interface RetryOptions {
  /** Attempts after the first. */
  retries?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /**
   * The longest `Retry-After` worth waiting for (`BASIN_MAX_RETRY_AFTER_SECONDS`); a longer one fails
   * the call, so a run never sleeps for hours holding the lock. Defaults to that setting's default.
   */
  maxRetryAfterMs?: number;
  /** Called before each wait, for progress lines. */
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
}

/** An HTTP answer that carries its status (and Retry-After), from `fetch` or from an SDK error. */
export class HttpStatusError extends Error {
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  /**
   * Set when the API's own error body says whether a retry can help, overriding the status: Graph
   * throttles with 400/403 and error codes, Mailchimp may throttle with a bare 403.
   */
  readonly transient: boolean | undefined;

  constructor(status: number, message: string, retryAfterMs?: number, transient?: boolean) {
    super(message);
    this.name = 'HttpStatusError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.transient = transient;
  }
}

/** A page whose body is not what the API promises (unparseable JSON, a missing envelope). */
export class MalformedResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedResponseError';
  }
}

const transientCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The HTTP status an error carries, whichever client raised it. */
export function statusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } } | undefined;
  for (const value of [e?.status, e?.statusCode, e?.response?.status])
    if (typeof value === 'number') return value;
  return undefined;
}

/** 429, 5xx, timeouts, dropped connections and malformed pages are worth another try; 4xx are not. */
export function isTransient(error: unknown): boolean {
  if (error instanceof MalformedResponseError) return true;
  if (error instanceof HttpStatusError && error.transient !== undefined) return error.transient;
  const status = statusOf(error);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && transientCodes.has(code)) return true;
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    const message = String((e as { message?: unknown }).message ?? '');
    if (
      /socket hang up|fetch failed|terminated|other side closed|network|ECONNRESET|timed? ?out/i.test(message)
    ) {
      return true;
    }
    const type = (e as { type?: unknown }).type;
    if (type === 'StripeConnectionError' || type === 'StripeAPIError') return true;
  }
  return false;
}

/**
 * Graph's codes for a token that is invalid or expired (190, 102) or lacks a permission (200–299);
 * Graph answers them with HTTP 400, not 401/403.
 */
const graphAuthCodes = (code: number) => code === 190 || code === 102 || (code >= 200 && code < 300);

/**
 * An answer that refuses the credentials: 401 or 403 (a 403 the API marked as a throttle excluded),
 * or Graph's auth codes. Retrying cannot help; the setting holding the key has to change.
 */
export function isAuthFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof HttpStatusError && e.transient) return false;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && graphAuthCodes(code)) return true;
    const status = statusOf(e);
    if (status === 401 || status === 403) return true;
  }
  return false;
}

/** Milliseconds the server asked us to wait, from a `Retry-After` header in seconds or as a date. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof HttpStatusError) return error.retryAfterMs;
  const headers =
    (error as { headers?: unknown; response?: { headers?: unknown } }).headers ??
    (error as { response?: { headers?: unknown } }).response?.headers;
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function')
    return retryAfterMs((headers as Headers).get('retry-after'));
  const value = (headers as Record<string, unknown>)['retry-after'];
  return typeof value === 'string' ? retryAfterMs(value) : undefined;
}

/** `BASIN_MAX_RETRY_AFTER_SECONDS`'s default: five minutes. */
export const defaultMaxRetryAfterSeconds = 300;

/**
 * Runs one API call with exponential backoff on transient failures, waiting at least as long as a
 * `Retry-After` asks. Permanent failures (auth, 4xx) fail at once.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const minTimeout = options.minTimeoutMs ?? 500;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? defaultMaxRetryAfterSeconds * 1000;
  return pRetry(call, {
    retries: options.retries ?? 5,
    minTimeout,
    maxTimeout: options.maxTimeoutMs ?? 30_000,
    factor: 2,
    randomize: true,
    shouldRetry: ({ error }) => isTransient(error),
    onFailedAttempt: async ({ error, attemptNumber }) => {
      const asked = retryAfterOf(error) ?? 0;
      if (asked > maxRetryAfterMs)
        throw new AbortError(
          `the API asked to wait ${Math.round(asked / 1000)} s (Retry-After), more than BASIN_MAX_RETRY_AFTER_SECONDS=${Math.round(maxRetryAfterMs / 1000)}: giving up until the next run (${error.message})`,
        );
      const backoff = minTimeout * 2 ** (attemptNumber - 1);
      options.onRetry?.(error, attemptNumber, Math.max(asked, backoff));
      // p-retry then adds its own backoff; this covers the part of a longer Retry-After beyond it.
      if (asked > backoff) await new Promise((resolve) => setTimeout(resolve, asked - backoff));
    },
  });
}
