import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { InstagramSettings } from '../../config.ts';
import { getJson } from '../../fetch/http-json.ts';
import { HttpStatusError, type RetryOptions, retryAfterMs, withRetry } from '../../fetch/retry.ts';

/** Graph allows about 200 calls an hour per user; a few at a time is plenty for one account. */
const graphCalls = pLimit(4);
/** The CDN has no such limit. */
const downloads = pLimit(8);
const timeoutMs = 30_000;

/** A Graph URL under the configured version, carrying the token as Graph expects: in the query. */
export function graphUrl(
  settings: InstagramSettings,
  path: string,
  params: Record<string, string> = {},
): string {
  const url = new URL(`${settings.apiUrl.replace(/\/+$/, '')}/${path}`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  url.searchParams.set('access_token', settings.accessToken);
  return url.toString();
}

/** GETs a Graph document; `next` links already carry the token. Errors never show it. */
export function graphGet(url: string, retry: RetryOptions): Promise<unknown> {
  return graphCalls(() => getJson(url, { ...retry, timeoutMs }));
}

export interface DownloadedImage {
  content_type: string;
  sha256: string;
  bytes_base64: string;
}

/** Downloads an image from the CDN (no token), keeping its bytes, type and hash. */
export function downloadImage(url: string, retry: RetryOptions): Promise<DownloadedImage> {
  return downloads(() =>
    withRetry(async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) {
        throw new HttpStatusError(
          response.status,
          `GET ${new URL(url).pathname} answered ${response.status}`,
          retryAfterMs(response.headers.get('retry-after')),
        );
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      return {
        content_type: response.headers.get('content-type') ?? contentTypeOf(url),
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes_base64: bytes.toString('base64'),
      };
    }, retry),
  );
}

/** The type a CDN URL's extension implies, for an answer without `Content-Type`. */
function contentTypeOf(url: string): string {
  const extension = new URL(url).pathname.split('.').pop()?.toLowerCase();
  if (extension === 'png') return 'image/png';
  if (extension === 'webp') return 'image/webp';
  if (extension === 'gif') return 'image/gif';
  return 'image/jpeg';
}
