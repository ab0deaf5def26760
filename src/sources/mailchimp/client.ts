import mailchimp from '@mailchimp/mailchimp_marketing';
import pLimit from 'p-limit';
import { z } from 'zod';
import {
  HttpStatusError,
  MalformedResponseError,
  type RetryOptions,
  retryAfterMs,
  withRetry,
} from '../../fetch/retry.ts';
import { IncompleteStreamError } from '../../fetch/source.ts';
import type { MailchimpSettings } from './config.ts';

export type Mailchimp = typeof mailchimp;

/**
 * Mailchimp answers 429 to an API key with more than 10 connections open. The SDK is one module-wide
 * client, so one limiter covers every call this process makes, and 8 leaves room for the flag sync.
 */
const connections = pLimit(8);

/**
 * Runs one SDK call under the connection cap, with retries. The SDK is a singleton whose settings
 * are read synchronously when a request is built, so they are set right before each call.
 */
export async function callMailchimp<T>(
  settings: MailchimpSettings,
  what: string,
  request: (client: Mailchimp) => Promise<unknown>,
  parse: (body: unknown) => T,
  retry: RetryOptions,
): Promise<T> {
  return withRetry(
    () =>
      connections(async () => {
        configure(settings);
        let body: unknown;
        try {
          body = await request(mailchimp);
        } catch (error) {
          throw asFetchError(error, what);
        }
        return parse(body);
      }),
    retry,
  );
}

function configure(settings: MailchimpSettings): void {
  const server = settings.apiKey.slice(settings.apiKey.lastIndexOf('-') + 1);
  mailchimp.setConfig({ apiKey: settings.apiKey, server });
  // The SDK swaps the word `server` in its base path for the data centre; a configured URL has none.
  mailchimp.basePath = settings.apiUrl.replace(/\/+$/, '');
  mailchimp.timeout = 60_000;
}

/**
 * Turns superagent's errors into the ones `withRetry` understands. A body that is not JSON arrives as
 * a SyntaxError carrying status 200, which would otherwise look permanent.
 */
function asFetchError(error: unknown, what: string): unknown {
  if (error instanceof SyntaxError && 'rawResponse' in error) {
    return new MalformedResponseError(`${what} answered with a body that is not JSON`);
  }
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number') return error;
  const response = (error as { response?: { body?: unknown; headers?: Record<string, string> } }).response;
  const body = response?.body as { detail?: unknown; title?: unknown } | undefined;
  const retryAfter = retryAfterMs(response?.headers?.['retry-after']);
  // Mailchimp's own refusals (a wrong key, a disabled user, the wrong data centre) come as
  // problem+json; at high volume its edge throttles with a bare 403 carrying no such body, which a
  // retry after a pause gets past.
  if (status === 403 && !isProblem(body)) {
    return new HttpStatusError(
      status,
      `${what} answered a bare 403 without Mailchimp's error body (its throttling at high volume)`,
      retryAfter,
      true,
    );
  }
  const detail = body?.detail ?? body?.title ?? JSON.stringify(body ?? null).slice(0, 200);
  return new HttpStatusError(status, `${what} answered ${status}: ${String(detail)}`, retryAfter);
}

function isProblem(body: unknown): boolean {
  return typeof body === 'object' && body !== null && ('title' in body || 'detail' in body);
}

/**
 * An instant as Mailchimp's documentation writes them, `2015-10-21T15:41:36+00:00`. Its activity times
 * are whole seconds, so dropping the milliseconds neither skips nor repeats an event.
 */
export function mailchimpTime(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}+00:00`;
}

/** Parses a body with a schema; a body of the wrong shape is retried like a garbled one. */
export function parseWith<T>(schema: z.ZodType<T>, what: string): (body: unknown) => T {
  return (body) => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new MalformedResponseError(`${what} answered with an unexpected body: ${parsed.error.message}`);
    }
    return parsed.data;
  };
}

/**
 * Pages an `offset`/`count` list to its `total_items`, advancing by the page size asked for, so a page
 * that came back short leaves a gap that is reported instead of hidden. Mailchimp does not promise
 * that `total_items` counts a filtered list (email activity `since`) rather than the whole one, so
 * when fewer items arrive than it says, one more call asks for the item at `total_items - 1`: there,
 * the list lost items; absent, the total counted more than this query lists, and nothing is missing.
 */
export async function* offsetPages(
  settings: MailchimpSettings,
  what: string,
  key: string,
  pageSize: number,
  request: (client: Mailchimp, page: { offset: number; count: number }) => Promise<unknown>,
  retry: RetryOptions,
): AsyncGenerator<unknown[]> {
  const envelope = parseWith(
    z.looseObject({ [key]: z.array(z.unknown()), total_items: z.number().int().nonnegative() }),
    what,
  );
  const page = async (offset: number, count: number) => {
    const body = await callMailchimp(
      settings,
      what,
      (client) => request(client, { offset, count }),
      envelope,
      retry,
    );
    // The schema checked both; TypeScript cannot tell the computed key from `total_items`.
    return { items: body[key] as unknown[], total: body.total_items as number };
  };
  let offset = 0;
  let received = 0;
  let total = 0;
  do {
    const { items, total: counted } = await page(offset, pageSize);
    total = counted;
    received += items.length;
    offset += pageSize;
    yield items;
    // An empty page ends the list whatever the total says; the check below decides what it means.
    if (items.length === 0) break;
  } while (offset < total);
  if (received >= total) return;
  const last = await page(total - 1, 1);
  if (last.items.length > 0) {
    throw new IncompleteStreamError(`${what}: Mailchimp reported ${total} items but sent ${received}`);
  }
}

/** Every page of an `offset`/`count` list, concatenated. */
export async function allPages(...args: Parameters<typeof offsetPages>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const page of offsetPages(...args)) items.push(...page);
  return items;
}
