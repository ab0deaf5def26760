import { AsyncLocalStorage } from 'node:async_hooks';
import { SquareClient, SquareEnvironment, SquareError } from 'square';
import {
  HttpStatusError,
  MalformedResponseError,
  type RetryOptions,
  retryAfterMs,
  withRetry,
} from '../../fetch/retry.ts';
import type { SquareSettings } from './config.ts';

/**
 * The SDK hands back camelCase objects with bigint amounts; raw keeps Square's own JSON. So each
 * call's response body is captured as it arrives, in the async context of that one call.
 */
const responseBodies = new AsyncLocalStorage<{ body?: Promise<string> }>();

async function capturingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  const slot = responseBodies.getStore();
  if (slot) slot.body = response.clone().text();
  return response;
}

/**
 * The official client, pointed at `SQUARE_API_URL` when set (the sandbox). Its own retries are off:
 * every call goes through `withRetry`, so waits honour Retry-After and show in the progress line.
 */
export function createSquareClient(settings: SquareSettings): SquareClient {
  return new SquareClient({
    token: settings.accessToken,
    environment: settings.apiUrl ?? SquareEnvironment.Production,
    maxRetries: 0,
    timeoutInSeconds: 30,
    fetch: capturingFetch,
  });
}

export type SquareBody = Record<string, unknown>;

/** Runs one SDK call with retries and returns the response body exactly as Square sent it. */
export function squareCall(
  label: string,
  call: () => Promise<unknown>,
  retry: RetryOptions,
): Promise<SquareBody> {
  return withRetry(async () => {
    const slot: { body?: Promise<string> } = {};
    try {
      await responseBodies.run(slot, call);
    } catch (error) {
      throw describeFailure(error);
    }
    const text = (await slot.body) ?? '';
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MalformedResponseError('Square answered with a body that is not JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new MalformedResponseError('Square answered with something other than an object');
    return body as SquareBody;
  }, retry).catch((error: unknown) => {
    throw new Error(`${label}: ${(error as Error).message}`, { cause: error });
  });
}

/**
 * SDK errors as the retry policy reads them: HTTP failures with their status and Retry-After, and a
 * 2xx whose body would not parse as a malformed page (the SDK reports it with the 200 status).
 */
function describeFailure(error: unknown): unknown {
  if (!(error instanceof SquareError)) return error;
  const status = error.statusCode;
  if (status === undefined) return error;
  if (status < 300)
    return new MalformedResponseError(`Square answered ${status} with a body that is not JSON`);
  const detail = error.errors
    .filter((e) => e.detail)
    .map((e) => `${e.code}: ${e.detail}`)
    .join('; ');
  const retryAfter = error.rawResponse?.headers.get('retry-after');
  return new HttpStatusError(
    status,
    `Square answered ${status}${detail ? ` (${detail})` : ''}`,
    retryAfterMs(retryAfter),
  );
}

/** Square's list endpoints default to the last year; a backfill asks for everything explicitly. */
const SQUARE_EPOCH = new Date('2009-01-01T00:00:00Z');

/** Square's timestamps for a fetch window; with no lower bound, from before Square existed. */
export function timeRange(window: { since: Date | undefined; until: Date }): {
  beginTime: string;
  endTime: string;
} {
  return {
    beginTime: (window.since ?? SQUARE_EPOCH).toISOString(),
    endTime: window.until.toISOString(),
  };
}
