import Stripe from 'stripe';
import { MalformedResponseError, type RetryOptions, withRetry } from '../../fetch/retry.ts';
import { IncompleteStreamError } from '../../fetch/source.ts';
import type { StripeSettings } from './config.ts';
import { stripeListSchema } from './schemas.ts';

/** Stripe's largest page. */
export const PAGE_SIZE = 100;

/**
 * The official client, pointed at `STRIPE_API_URL` when set (the sandbox). Its own retries are off:
 * every call goes through `withRetry`, so waits honour Retry-After and show in the progress line.
 */
export function createStripeClient(settings: StripeSettings): Stripe {
  const url = settings.apiUrl ? new URL(settings.apiUrl) : undefined;
  const protocol = url?.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(settings.apiKey, {
    maxNetworkRetries: 0,
    timeout: 30_000,
    telemetry: false,
    ...(url ? { host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol } : {}),
  });
}

export type ListCall = (cursor: { limit: number; starting_after?: string }) => Promise<unknown>;

/**
 * Pages a Stripe list newest first with `starting_after`, one retried call per page. A truncated
 * page costs nothing here: the next page starts after the last record actually received.
 */
export async function* listPages(
  label: string,
  list: ListCall,
  retry: RetryOptions,
): AsyncIterable<unknown[]> {
  let startingAfter: string | undefined;
  for (;;) {
    const cursor = startingAfter === undefined ? {} : { starting_after: startingAfter };
    const page = await withRetry(async () => {
      const parsed = stripeListSchema.safeParse(await list({ limit: PAGE_SIZE, ...cursor }));
      if (!parsed.success) throw new MalformedResponseError('the page is not a Stripe list');
      return parsed.data;
    }, retry).catch((error: unknown) => {
      throw new Error(`${label}: ${describeStripeError(error)}`, { cause: error });
    });
    yield page.data;
    const last = page.data.at(-1);
    if (!page.has_more) return;
    if (!last) throw new IncompleteStreamError(`${label}: Stripe said more records follow but sent none`);
    startingAfter = last.id;
  }
}

/** One retried call, its failure described with Stripe's status and error type. */
export function stripeCall<T>(label: string, call: () => Promise<T>, retry: RetryOptions): Promise<T> {
  return withRetry(call, retry).catch((error: unknown) => {
    throw new Error(`${label}: ${describeStripeError(error)}`, { cause: error });
  });
}

/** Stripe's `created` filter for a fetch window, in unix seconds; no lower bound means everything. */
export function createdRange(window: { since: Date | undefined; until: Date }): {
  gte?: number;
  lte: number;
} {
  const lte = Math.floor(window.until.getTime() / 1000);
  return window.since ? { gte: Math.floor(window.since.getTime() / 1000), lte } : { lte };
}

/** Stripe's errors carry the status and Stripe's own type apart from the message. */
function describeStripeError(error: unknown): string {
  const e = error as { message?: unknown; statusCode?: unknown; type?: unknown };
  const message = String(e.message ?? error);
  if (error instanceof MalformedResponseError || typeof e.statusCode !== 'number') return message;
  return `Stripe answered ${e.statusCode} (${String(e.type)}): ${message}`;
}
