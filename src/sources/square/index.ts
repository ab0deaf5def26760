import pLimit from 'p-limit';
import type { SquareClient } from 'square';
import { z } from 'zod';
import type { SquareSettings } from '../../config.ts';
import { MalformedResponseError, type RetryOptions } from '../../fetch/retry.ts';
import {
  defineStream,
  IncompleteStreamError,
  type SourceDefinition,
  type StreamContext,
} from '../../fetch/source.ts';
import { createSquareClient, type SquareBody, squareCall, timeRange } from './client.ts';
import {
  type SquareLocationRecord,
  type SquarePaymentRecord,
  type SquareRefundRecord,
  squareCustomerSchema,
  squareLocationSchema,
  squareOrderSchema,
  squarePaymentSchema,
  squareRefundSchema,
} from './schemas.ts';

const recent = { kind: 'recent', days: 2, lookbackDays: 7 } as const;
const PAGE_SIZE = 100;
/** BatchRetrieveOrders takes at most 100 ids. */
const ORDER_BATCH = 100;
const CONCURRENT_CALLS = 4;

export interface SquareSourceOptions {
  /** Backoff for every call; the defaults suit the real API, tests shorten them. */
  retry?: Omit<RetryOptions, 'onRetry'>;
}

/**
 * Square: locations, customers, payments per location, the orders those payments belong to (fetched
 * by id, so an order opened before the window still comes with its payment) and refunds.
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
          window: { kind: 'full' },
          pages: (context) => customerPages(client, retryOf(context)),
        }),
        defineStream({
          name: 'payments',
          schema: squarePaymentSchema,
          recordId: (payment) => payment.id,
          window: recent,
          async *pages(context) {
            const locations = context.earlier('locations') as SquareLocationRecord[];
            if (locations.length === 0)
              throw new Error('payments: no Square locations were fetched to list them for');
            for (const location of locations) {
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
        }),
        defineStream({
          name: 'orders',
          schema: squareOrderSchema,
          recordId: (order) => order.id,
          window: recent,
          pages: (context) =>
            ordersOfPayments(client, context.earlier('payments') as SquarePaymentRecord[], retryOf(context)),
        }),
        defineStream({
          name: 'refunds',
          schema: squareRefundSchema,
          recordId: (refund) => refund.id,
          window: recent,
          async *pages(context) {
            const listed = new Set<string>();
            const pages = cursorPages('refunds', 'refunds', retryOf(context), (cursor) =>
              client.refunds.list({
                ...timeRange(context.window),
                limit: PAGE_SIZE,
                ...(cursor ? { cursor } : {}),
              }),
            );
            for await (const page of pages) {
              for (const refund of page) listed.add(String((refund as Partial<SquareRefundRecord>).id));
              yield page;
            }
            // Payments list their refunds, and a payment inside the window has its refunds inside it too.
            const payments = context.earlier('payments') as SquarePaymentRecord[];
            const missing = payments.flatMap((p) => (p.refund_ids ?? []).filter((id) => !listed.has(id)));
            if (missing.length > 0) {
              throw new IncompleteStreamError(
                `refunds: ${missing.length} refund(s) named by payments were not listed (${missing.slice(0, 3).join(', ')})`,
              );
            }
          },
        }),
      ];
    },
  };
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

/** Customers with Square's total, so a page that lost records is noticed. */
async function* customerPages(client: SquareClient, retry: RetryOptions): AsyncIterable<unknown[]> {
  let cursor: string | undefined;
  let expected = 0;
  const seen = new Set<string>();
  do {
    const after = cursor;
    const body = await squareCall(
      'customers',
      () => client.customers.list({ limit: PAGE_SIZE, count: true, ...(after ? { cursor: after } : {}) }),
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

/** The orders the payments name, by id in batches per location, a few batches at a time. */
async function* ordersOfPayments(
  client: SquareClient,
  payments: readonly SquarePaymentRecord[],
  retry: RetryOptions,
): AsyncIterable<unknown[]> {
  const idsByLocation = new Map<string, Set<string>>();
  for (const payment of payments) {
    if (!payment.order_id) continue;
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
