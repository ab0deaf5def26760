import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { z } from 'zod';
import { getJson } from '../fetch/http-json.ts';
import { HttpStatusError, type RetryOptions, retryAfterMs, withRetry } from '../fetch/retry.ts';
import type { StreamContext } from '../fetch/source.ts';
import type { MetaGraphAccess } from './meta-graph-settings.ts';

/** Graph allows about 200 calls an hour per user; a few at a time is plenty for one account. */
const graphCalls = pLimit(4);
/** The CDN has no such limit. */
const downloads = pLimit(8);
const timeoutMs = 30_000;

/**
 * Graph's error codes that mean "slow down": application (4), user (17), page (32) and custom (613)
 * rate limits, answered as 400 or 403 rather than 429, and the Marketing API's business-use-case limits
 * for ads insights (80000) and ads management (80004); plus unknown (1) and temporary (2) errors,
 * which Graph's error handling guide says to retry. `is_transient` in the body also marks one.
 */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 613, 80000, 80004]);

const graphErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    is_transient: z.boolean().optional(),
  }),
});

/** A Graph error, with the code and subcode its body gives. */
export class GraphError extends HttpStatusError {
  constructor(
    status: number,
    message: string,
    readonly code: number | undefined,
    readonly subcode: number | undefined,
    /** Graph's own message, e.g. `(#10) Not enough viewers for the media to show insights`. */
    readonly detail: string | undefined,
    retryAfter: number | undefined,
    transient: boolean | undefined,
  ) {
    super(status, message, retryAfter, transient);
    this.name = 'GraphError';
  }
}

function graphError(status: number, body: string, message: string, retryAfter: number | undefined): Error {
  let parsed: z.infer<typeof graphErrorSchema> | undefined;
  try {
    parsed = graphErrorSchema.safeParse(JSON.parse(body)).data;
  } catch {
    parsed = undefined;
  }
  if (!parsed) return new HttpStatusError(status, message, retryAfter);
  const { code, error_subcode: subcode, is_transient: flagged, message: detail } = parsed.error;
  // A throttle says so by its code whatever the status; otherwise the status decides, as for any API.
  const throttled = flagged === true || (code !== undefined && TRANSIENT_CODES.has(code));
  // Graph's own words first: a progress line keeps only the start of a message.
  const summary = `Graph answered ${status}, error ${code ?? '?'}${subcode ? `/${subcode}` : ''}: ${detail ?? ''}; ${message}`;
  return new GraphError(status, summary, code, subcode, detail, retryAfter, throttled ? true : undefined);
}

/** A Graph URL under the configured version, carrying the token as Graph expects: in the query. */
export function graphUrl(
  settings: MetaGraphAccess,
  path: string,
  params: Record<string, string> = {},
): string {
  const base = `${settings.graph.url.replace(/\/+$/, '')}/${settings.graph.version}`;
  const url = new URL(`${base}/${path}`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  url.searchParams.set('access_token', settings.accessToken);
  return url.toString();
}

/**
 * GETs a Graph document; `next` links already carry the token. Errors never show it. Graph names
 * the version that answered in `facebook-api-version`: a configured version past its end of life is
 * answered as the oldest one still supported, which the stream reports rather than ignores.
 */
export function graphGet(
  url: string,
  settings: MetaGraphAccess,
  context: StreamContext,
  options: { method?: 'GET' | 'POST'; onHeaders?: (headers: Headers) => void } = {},
): Promise<unknown> {
  return graphCalls(() =>
    getJson(url, {
      ...context.retry,
      ...(options.method ? { method: options.method } : {}),
      timeoutMs,
      errorFor: (status, body, message, retryAfter) => {
        const error = graphError(status, body, message, retryAfter);
        // An unknown version is answered as an unknown path; say which setting names it.
        if (
          error instanceof GraphError &&
          error.code === 2500 &&
          message.includes(`/${settings.graph.version}/`)
        )
          error.message = `META_GRAPH_VERSION ${settings.graph.version} is not a version Graph serves: ${error.message}`;
        return error;
      },
      onHeaders: (headers) => {
        checkVersion(headers.get('facebook-api-version'), settings, context);
        options.onHeaders?.(headers);
      },
    }),
  );
}

const warnedVersions = new WeakSet<StreamContext>();

function checkVersion(answered: string | null, settings: MetaGraphAccess, context: StreamContext): void {
  if (!answered || answered === settings.graph.version || warnedVersions.has(context)) return;
  warnedVersions.add(context);
  context.warn(
    `Graph answered as ${answered}, not META_GRAPH_VERSION ${settings.graph.version}, which is past its end of life: set META_GRAPH_VERSION to a supported version`,
  );
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
