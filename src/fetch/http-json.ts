import { exchange, header, webHeaders } from './http-exchange.ts';
import {
  HttpStatusError,
  MalformedResponseError,
  type RetryOptions,
  retryAfterMs,
  withRetry,
} from './retry.ts';

export interface GetJsonOptions extends RetryOptions {
  /** GET unless said; a POST that starts a job (Meta's async insights) carries its parameters in the URL. */
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Per attempt; a slow answer is retried like a dropped one. */
  timeoutMs?: number;
  /** The error for an answer that is not OK, for an API whose error bodies say more than the status. */
  errorFor?: (status: number, body: string, message: string, retryAfterMs: number | undefined) => Error;
  /** Sees each OK response's headers (Graph names the version that answered in one). */
  onHeaders?: (headers: Headers) => void;
}

/**
 * GETs a JSON document with retries, for the APIs that have no official client (Capitan,
 * Instagram). Errors never include the URL's query string, which may carry a token.
 */
export async function getJson(url: string, options: GetJsonOptions = {}): Promise<unknown> {
  const method = options.method ?? 'GET';
  // Built only for an error: redacting parses the URL, and Capitan's relations make 11,000 calls.
  const where = () => `${method} ${redactUrl(url)}`;
  return withRetry(async () => {
    const response = await exchange(new URL(url), {
      method,
      headers: { accept: 'application/json', ...options.headers },
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    const text = response.text;
    if (response.status < 200 || response.status > 299) {
      const message = `${where()} answered ${response.status}: ${text.slice(0, 200)}`;
      const retryAfter = retryAfterMs(header(response.headers['retry-after']));
      throw (
        options.errorFor?.(response.status, text, message, retryAfter) ??
        new HttpStatusError(response.status, message, retryAfter)
      );
    }
    options.onHeaders?.(webHeaders(response.headers));
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new MalformedResponseError(
        `${where()} answered with a body that is not JSON (${text.length} bytes)`,
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
