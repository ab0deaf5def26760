import {
  HttpStatusError,
  MalformedResponseError,
  type RetryOptions,
  retryAfterMs,
  withRetry,
} from './retry.ts';

export interface GetJsonOptions extends RetryOptions {
  headers?: Record<string, string>;
  /** Per attempt; a slow answer is retried like a dropped one. */
  timeoutMs?: number;
}

/**
 * GETs a JSON document with retries, for the APIs that have no official client (Capitan,
 * Instagram). Errors never include the URL's query string, which may carry a token.
 */
export async function getJson(url: string, options: GetJsonOptions = {}): Promise<unknown> {
  const where = redactUrl(url);
  return withRetry(async () => {
    const response = await fetch(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new HttpStatusError(
        response.status,
        `GET ${where} answered ${response.status}: ${text.slice(0, 200)}`,
        retryAfterMs(response.headers.get('retry-after')),
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new MalformedResponseError(
        `GET ${where} answered with a body that is not JSON (${text.length} bytes)`,
      );
    }
  }, options);
}

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  for (const key of [...parsed.searchParams.keys()]) {
    if (/token|key|secret/i.test(key)) parsed.searchParams.set(key, '***');
  }
  return parsed.toString();
}
