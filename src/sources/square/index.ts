import pLimit from 'p-limit';
import type { SquareClient } from 'square';
import { z } from 'zod';
import { MalformedResponseError, type RetryOptions, statusOf } from '../../fetch/retry.ts';
import {
  defineStream,
  IncompleteStreamError,
  type SourceDefinition,
  type StreamContext,
} from '../../fetch/source.ts';
import { createSquareClient, type SquareBody, squareCall, timeRange } from './client.ts';
import type { SquareSettings } from './config.ts';
import {
  type SquareLocationRecord,
  type SquareOrderRecord,
  type SquarePaymentRecord,
  squareCustomerSchema,
  squareLocationSchema,
  squareOrderSchema,
  squarePaymentSchema,
  squareRefundSchema,
} from './schemas.ts';

const recent = { kind: 'recent', days: 2, lookbackDays: 7 } as const;
/**
 * Square's search sees a new or updated profile "in well under 30 seconds", occasionally a minute or
 * more; ten minutes of reach-back covers that at the cost of re-reading a few profiles.
 */
const changedCustomers = { kind: 'changed', reachBackMinutes: 10 } as const;
const PAGE_SIZE = 100;
/** SearchOrders' largest page. */
const ORDER_SEARCH_PAGE = 1000;
/** BatchRetrieveOrders takes at most 100 ids. */
const ORDER_BATCH = 100;
const CONCURRENT_CALLS = 4;
/**
 * Square's lists are eventually consistent: "new payments or changes to payments might take several
 * seconds to appear" (and likewise refunds). A record this recent that a list left out is a lag, re-read
 * by the next run; an older one is a gap.
 */
const CONSISTENCY_LAG_MS = 5 * 60_000;
/** Refunds looked up by id when the list left them out; more than this is a broken list, not a lag. */
const MAX_LOOKUPS = 20;

export interface SquareSourceOptions {
  /** Backoff for every call; the defaults suit the real API, tests shorten them. */
  retry?: Omit<RetryOptions, 'onRetry'>;
}

/**
 * Square: locations, customers, payments per location, the orders of the window (searched by when they
 * closed, plus any other order a payment names, fetched by id) and refunds. Square's lists carry no
 * totals, so each is checked against another: every payment an order's tender names must have been
 * listed, and every refund a payment names.
 */
export function squareSource(options: SquareSourceOptions = {}): SourceDefinition<SquareSettings> {
  return {
    name: 'square',
    settings: (config) => config.sources.square,
    streams: (settings) => {
      const client = createSquareClient(settings);
      const retryOf = (context: StreamContext) => ({ ...options.retry, ...context.retry });
      return [
        defineStream({
          name: 'locations',
          keepRecords: true,
          schema: squareLocationSchema,
          recordId: (location) => location.id,
          window: { kind: 'full' },
          async *pages(context) {
            const body = await squareCall('locations', () => client.locations.list(), retryOf(context));
            yield listIn(body, 'locations', 'locations');
          },
        }),
        defineStream({
          name: 'customers',
          schema: squareCustomerSchema,
          recordId: (customer) => customer.id,
          window: changedCustomers,
          pages: (context) => customerPages(client, context.window.since, retryOf(context)),
        }),
        defineStream({
          name: 'payments',
          keepRecords: true,
          schema: squarePaymentSchema,
          recordId: (payment) => payment.id,
          window: recent,
          async *pages(context) {
            for (const location of locationsOf(context)) {
              yield* cursorPages('payments', 'payments', retryOf(context), (cursor) =>
                client.payments.list({
                  locationId: location.id,
                  ...timeRange(context.window),
                  limit: PAGE_SIZE,
                  ...(cursor ? { cursor } : {}),
                }),
              );
            }
          },
          verify: async (context) => checkTenders(context),
        }),
        defineStream({
          name: 'orders',
          keepRecords: true,
          schema: squareOrderSchema,
          recordId: (order) => order.id,
          window: recent,
          async *pages(context) {
            const found = new Set<string>();
            for (const location of locationsOf(context)) {
              const { beginTime, endTime } = timeRange(context.window);
              const pages = cursorPages('orders', 'orders', retryOf(context), (cursor) =>
                client.orders.search({
                  locationIds: [location.id],
                  query: {
                    filter: {
                      stateFilter: { states: ['COMPLETED'] },
                      dateTimeFilter: { closedAt: { startAt: beginTime, endAt: endTime } },
                    },
                    sort: { sortField: 'CLOSED_AT', sortOrder: 'ASC' },
                  },
                  limit: ORDER_SEARCH_PAGE,
                  ...(cursor ? { cursor } : {}),
                }),
              );
              for await (const page of pages) {
                for (const order of page) found.add(String((order as { id?: unknown }).id));
                yield page;
              }
            }
            // Orders still open, or closed before the window, that a payment of the window names.
            const payments = context.earlier('payments') as SquarePaymentRecord[];
            yield* ordersByIds(client, payments, found, retryOf(context));
          },
        }),
        defineStream({
          name: 'refunds',
          schema: squareRefundSchema,
          recordId: (refund) => refund.id,
          window: recent,
          pages: (context) =>
            cursorPages('refunds', 'refunds', retryOf(context), (cursor) =>
              client.refunds.list({
                ...timeRange(context.window),
                limit: PAGE_SIZE,
                ...(cursor ? { cursor } : {}),
              }),
            ),
          verify: (context) => checkRefunds(client, context, retryOf(context)),
        }),
      ];
    },
  };
}

function locationsOf(context: StreamContext): SquareLocationRecord[] {
  const locations = context.earlier('locations') as SquareLocationRecord[];
  if (locations.length === 0) throw new Error('no Square locations were fetched to list them for');
  return locations;
}

/** `[since, until)` in epoch ms, with no lower bound for a backfill. */
function bounds(context: StreamContext): { since: number; until: number } {
  return {
    since: context.window.since?.getTime() ?? Number.NEGATIVE_INFINITY,
    until: context.window.until.getTime(),
  };
}

/**
 * Every payment an order's tender names, taken inside the window, must have been listed. One taken in
 * the last few minutes may not be listed yet (a lag); an older one means the list lost it.
 */
function checkTenders(context: StreamContext): void {
  const { since, until } = bounds(context);
  const listed = context.receivedIds('payments');
  const missing: { id: string; at: number }[] = [];
  for (const order of context.earlier('orders') as SquareOrderRecord[]) {
    for (const tender of order.tenders ?? []) {
      const at = Date.parse(tender.created_at ?? '');
      if (!tender.payment_id || listed.has(tender.payment_id) || !(at >= since && at < until)) continue;
      missing.push({ id: tender.payment_id, at });
    }
  }
  const [lagging, lost] = partition(missing, (m) => m.at >= until - CONSISTENCY_LAG_MS);
  if (lost.length > 0) {
    throw new IncompleteStreamError(
      `payments: ${lost.length} payment(s) named by orders' tenders were not listed (${sample(lost)})`,
    );
  }
  if (lagging.length > 0) {
    context.warn(`${lagging.length} payment(s) of the last minutes not listed yet (${sample(lagging)})`, {
      recheckFrom: new Date(Math.min(...lagging.map((m) => m.at))),
    });
  }
}

/**
 * Every refund a payment of the window names must have been listed, if it was made inside the refunds'
 * own window (the payments' may reach further back, after a failed run).
 * A refund the list left out is looked up by id: made after the window's end (while the run was
 * reading) it belongs to the next run; made in its last minutes, or not retrievable yet, it is a lag;
 * older, the list lost it.
 */
async function checkRefunds(client: SquareClient, context: StreamContext, retry: RetryOptions) {
  const { since, until } = bounds(context);
  const listed = context.receivedIds('refunds');
  const named = (context.earlier('payments') as SquarePaymentRecord[]).flatMap((p) => p.refund_ids ?? []);
  const unlisted = [...new Set(named.filter((id) => !listed.has(id)))];
  if (unlisted.length > MAX_LOOKUPS) {
    throw new IncompleteStreamError(
      `refunds: ${unlisted.length} refund(s) named by payments were not listed (${unlisted.slice(0, 3).join(', ')})`,
    );
  }
  const lagging: { id: string; at: number }[] = [];
  const lost: { id: string; at: number }[] = [];
  for (const id of unlisted) {
    const refund = await lookUpRefund(client, id, retry);
    const at = refund ? Date.parse(String(refund.created_at)) : until;
    // Made after the window's end it is the next run's; before its start (a payment's older refund,
    // when the payments reach further back), another run's.
    if (at > until || at < since) continue;
    (at >= until - CONSISTENCY_LAG_MS ? lagging : lost).push({ id, at });
  }
  if (lost.length > 0) {
    throw new IncompleteStreamError(
      `refunds: ${lost.length} refund(s) named by payments were not listed (${sample(lost)})`,
    );
  }
  if (lagging.length > 0) {
    context.warn(`${lagging.length} refund(s) of the last minutes not listed yet (${sample(lagging)})`, {
      recheckFrom: new Date(Math.min(...lagging.map((m) => m.at))),
    });
  }
}

/** One refund by id, or undefined while Square does not show it yet (404). */
async function lookUpRefund(
  client: SquareClient,
  id: string,
  retry: RetryOptions,
): Promise<{ created_at?: unknown } | undefined> {
  try {
    const body = await squareCall('refunds', () => client.refunds.get({ refundId: id }), retry);
    return body.refund as { created_at?: unknown } | undefined;
  } catch (error) {
    if (statusOf((error as Error).cause) === 404) return undefined;
    throw error;
  }
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

function sample(items: { id: string }[]): string {
  return items
    .slice(0, 3)
    .map((item) => item.id)
    .join(', ');
}

const envelope = z.looseObject({ cursor: z.string().optional() });

/** The records under `key`; Square leaves the key out when a page is empty. */
function listIn(body: SquareBody, key: string, label: string): unknown[] {
  const list = body[key] ?? [];
  if (!Array.isArray(list)) throw new MalformedResponseError(`${label}: "${key}" is not a list`);
  return list;
}

/** Follows Square's opaque cursor, one retried call per page. */
async function* cursorPages(
  label: string,
  key: string,
  retry: RetryOptions,
  call: (cursor: string | undefined) => Promise<unknown>,
): AsyncIterable<unknown[]> {
  let cursor: string | undefined;
  do {
    const after = cursor;
    const body = await squareCall(label, () => call(after), retry);
    yield listIn(body, key, label);
    cursor = envelope.parse(body).cursor || undefined;
  } while (cursor);
}

/**
 * Customers with Square's total, so a page that lost records is noticed: all of them (ListCustomers)
 * on a first run, then those updated since (SearchCustomers). Search leaves out profiles without a
 * name, company, email or phone, which identify no one anyway.
 */
async function* customerPages(
  client: SquareClient,
  since: Date | undefined,
  retry: RetryOptions,
): AsyncIterable<unknown[]> {
  let cursor: string | undefined;
  let expected = 0;
  const seen = new Set<string>();
  do {
    const after = cursor ? { cursor } : {};
    const body = await squareCall(
      'customers',
      () =>
        since
          ? client.customers.search({
              query: { filter: { updatedAt: { startAt: since.toISOString() } } },
              limit: BigInt(PAGE_SIZE),
              count: true,
              ...after,
            })
          : client.customers.list({ limit: PAGE_SIZE, count: true, ...after }),
      retry,
    );
    const page = listIn(body, 'customers', 'customers');
    for (const customer of page) seen.add(String((customer as { id?: unknown }).id));
    expected = Math.max(expected, typeof body.count === 'number' ? body.count : 0);
    yield page;
    cursor = envelope.parse(body).cursor || undefined;
  } while (cursor);
  if (seen.size < expected)
    throw new IncompleteStreamError(`customers: Square counts ${expected} customers but listed ${seen.size}`);
}

/** The orders the payments name that the search did not return, by id in batches per location. */
async function* ordersByIds(
  client: SquareClient,
  payments: readonly SquarePaymentRecord[],
  found: ReadonlySet<string>,
  retry: RetryOptions,
): AsyncIterable<unknown[]> {
  const idsByLocation = new Map<string, Set<string>>();
  for (const payment of payments) {
    if (!payment.order_id || found.has(payment.order_id)) continue;
    const ids = idsByLocation.get(payment.location_id) ?? new Set<string>();
    ids.add(payment.order_id);
    idsByLocation.set(payment.location_id, ids);
  }
  const limit = pLimit(CONCURRENT_CALLS);
  const batches = [...idsByLocation].flatMap(([locationId, ids]) =>
    chunk([...ids], ORDER_BATCH).map((orderIds) => {
      const body = limit(() =>
        squareCall('orders', () => client.orders.batchGet({ locationId, orderIds }), retry),
      );
      // Awaited in order below; once one batch fails the rest are never awaited and must not crash the run.
      body.catch(() => undefined);
      return { orderIds, body };
    }),
  );
  const missing: string[] = [];
  for (const batch of batches) {
    const orders = listIn(await batch.body, 'orders', 'orders');
    const returned = new Set(orders.map((o) => String((o as { id?: unknown }).id)));
    missing.push(...batch.orderIds.filter((id) => !returned.has(id)));
    yield orders;
  }
  if (missing.length > 0) {
    throw new IncompleteStreamError(
      `orders: ${missing.length} order(s) named by payments were not returned (${missing.slice(0, 3).join(', ')})`,
    );
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export default squareSource();
