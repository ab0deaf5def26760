import { type Square, SquareClient, SquareError } from 'square';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sandboxCredentials } from '../../../src/sandbox/credentials.ts';
import type { SandboxDataset, SquarePayment } from '../../../src/sandbox/dataset.ts';
import type { HttpEmulator } from '../../../src/sandbox/emulators/http-emulator.ts';
import { createSquareEmulator } from '../../../src/sandbox/emulators/square.ts';
import { generateGym } from '../../../src/sandbox/generate.ts';

const DAY_MS = 86_400_000;
/** Before Square existed: Square's lists default to the last year, so a full listing asks from here. */
const EPOCH = '2009-01-01T00:00:00Z';

function connect(url: string, options: { token?: string; maxRetries?: number } = {}): SquareClient {
  return new SquareClient({
    token: options.token ?? sandboxCredentials.squareAccessToken,
    environment: url,
    maxRetries: options.maxRetries ?? 0,
  });
}

/** Every item of an SDK pager. */
async function all<T>(pager: Promise<AsyncIterable<T>>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of await pager) items.push(item);
  return items;
}

const ids = (records: { id?: string }[]) => records.map((r) => r.id!).sort();
/** The SDK parses amounts as bigint; the dataset holds numbers. */
const cents = (money: { amount?: bigint | number | null } | undefined) => Number(money?.amount ?? 0);
const at = (timestamp: string) => Date.parse(timestamp);

function busyDayBefore(asOf: Date, count: (clock: Date) => number): Date {
  for (let back = 1; back < 90; back++) {
    const start = new Date(asOf.getTime() - back * DAY_MS);
    if (count(new Date(start.getTime() + DAY_MS)) > count(start)) return start;
  }
  throw new Error('no day with new records in the last 90 days');
}

async function rejection(promise: Promise<unknown>): Promise<SquareError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SquareError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Every order a search returns, following its cursor (orders.search is not a pager in the SDK). */
async function searchAll(client: SquareClient, request: Square.SearchOrdersRequest): Promise<Square.Order[]> {
  const orders: Square.Order[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.orders.search({ ...request, ...(cursor ? { cursor } : {}) });
    orders.push(...(page.orders ?? []));
    cursor = page.cursor;
  } while (cursor);
  return orders;
}

describe('Square emulator over the tiny gym, through the official SDK', () => {
  let dataset: SandboxDataset;
  let emulator: HttpEmulator;
  let url: string;
  let client: SquareClient;
  let locationIds: string[];

  beforeAll(async () => {
    dataset = generateGym({ size: 'tiny' });
    emulator = createSquareEmulator(dataset);
    url = await emulator.listen();
    client = connect(url);
    locationIds = dataset.square.locations().map((l) => l.id);
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.clock = dataset.asOf;
    emulator.faults.clear();
  });

  it('lists the locations', async () => {
    const { locations } = await client.locations.list();
    expect(locations?.map((l) => [l.id, l.name, l.timezone, l.status])).toEqual(
      dataset.square.locations().map((l) => [l.id, l.name, l.timezone, l.status]),
    );
  });

  it('pages every payment of each location, newest first, amounts intact', async () => {
    const expected = dataset.square.payments(dataset.asOf);
    const listed: Square.Payment[] = [];
    for (const locationId of locationIds) {
      const payments = await all(client.payments.list({ locationId, beginTime: EPOCH, limit: 37 }));
      for (let i = 1; i < payments.length; i++) {
        expect(at(payments[i]!.createdAt!)).toBeLessThanOrEqual(at(payments[i - 1]!.createdAt!));
      }
      listed.push(...payments);
    }
    expect(expected.length).toBeGreaterThan(37);
    expect(ids(listed)).toEqual(ids(expected));
    const total = (records: { totalMoney?: Square.Money | undefined }[]) =>
      records.reduce((sum, r) => sum + cents(r.totalMoney), 0);
    expect(total(listed)).toBe(expected.reduce((sum, p) => sum + p.total_money.amount, 0));
    expect(listed.filter((p) => p.refundIds?.length).length).toBe(
      expected.filter((p) => p.refund_ids).length,
    );
  });

  it('defaults to the last year, like Square, when no begin_time is given', async () => {
    const yearAgo = dataset.asOf.getTime() - 365 * DAY_MS;
    const recent = dataset.square.payments(dataset.asOf).filter((p) => at(p.created_at) >= yearAgo);
    const listed = await all(client.payments.list({ locationId: locationIds[0]! }));
    expect(recent.length).toBeLessThan(dataset.square.payments(dataset.asOf).length);
    expect(ids(listed)).toEqual(ids(recent));
  });

  it('searches orders over a created_at window with cursors, and filters on state', async () => {
    const expected = dataset.square.orders(dataset.asOf);
    const window = { createdAt: { startAt: EPOCH, endAt: dataset.horizon.toISOString() } };
    const orders = await searchAll(client, {
      locationIds,
      query: { filter: { dateTimeFilter: window } },
      limit: 25,
    });
    expect(expected.length).toBeGreaterThan(25);
    expect(ids(orders)).toEqual(ids(expected));
    const lineTotal = (order: Square.Order) =>
      (order.lineItems ?? []).reduce((s, li) => s + cents(li.totalMoney), 0);
    expect(orders.reduce((s, o) => s + lineTotal(o), 0)).toBe(
      expected.reduce((s, o) => s + o.line_items.reduce((t, li) => t + li.total_money.amount, 0), 0),
    );

    const completed = await searchAll(client, {
      locationIds,
      query: { filter: { dateTimeFilter: window, stateFilter: { states: ['COMPLETED'] } } },
      limit: 1000,
    });
    expect(ids(completed)).toEqual(ids(expected.filter((o) => o.state === 'COMPLETED')));

    // Square documents both ends of an order search's range as inclusive.
    const instant = expected[0]!.created_at;
    const atInstant = await searchAll(client, {
      locationIds,
      query: { filter: { dateTimeFilter: { createdAt: { startAt: instant, endAt: instant } } } },
    });
    expect(ids(atInstant)).toEqual(ids(expected.filter((o) => at(o.created_at) === at(instant))));
    expect(atInstant.length).toBeGreaterThan(0);
  });

  it('batch-retrieves the orders a payment window names but an order search of that window misses', async () => {
    const payments = dataset.square.payments(dataset.asOf);
    const orders = new Map(dataset.square.orders(dataset.asOf).map((o) => [o.id, o]));
    // A window opening between an order's creation and its payment: that order falls outside it.
    const split = payments.find((p) => at(orders.get(p.order_id)!.created_at) < at(p.created_at))!;
    const window = { beginTime: split.created_at, endTime: dataset.asOf.toISOString() };

    const inWindow = await all(
      client.payments.list({ locationId: split.location_id, ...window, limit: 100 }),
    );
    const found = await searchAll(client, {
      locationIds,
      query: {
        filter: { dateTimeFilter: { createdAt: { startAt: window.beginTime, endAt: window.endTime } } },
      },
    });
    const foundIds = new Set(found.map((o) => o.id));
    const missing = [...new Set(inWindow.map((p) => p.orderId!))].filter((id) => !foundIds.has(id));
    expect(missing).toContain(split.order_id);

    const retrieved = await client.orders.batchGet({ orderIds: [...missing, 'no-such-order'] });
    expect(ids(retrieved.orders ?? [])).toEqual([...missing].sort());
    expect(
      retrieved.orders?.every((o) => o.id && cents(o.totalMoney) === orders.get(o.id)!.total_money.amount),
    ).toBe(true);
  });

  it('pages refunds and customers completely, with the customer count when asked', async () => {
    const refunds = await all(client.refunds.list({ beginTime: EPOCH, limit: 1 }));
    expect(ids(refunds)).toEqual(ids(dataset.square.refunds(dataset.asOf)));

    const customers = await all(client.customers.list({ limit: 5 }));
    const expected = dataset.square.customers(dataset.asOf);
    expect(expected.length).toBeGreaterThan(5);
    expect(ids(customers)).toEqual(ids(expected));
    const firstPage = await client.customers.list({ limit: 5, count: true });
    expect(Number(firstPage.response.count)).toBe(expected.length);
  });

  it('searches customers updated since a time, paging with cursors, counting the matches', async () => {
    const expected = dataset.square.customers(dataset.asOf);
    const since = [...expected].map((c) => c.updated_at).sort()[Math.floor(expected.length / 2)]!;
    const updated = expected.filter((c) => Date.parse(c.updated_at) >= Date.parse(since));
    const search = (cursor?: string) =>
      client.customers.search({
        query: { filter: { updatedAt: { startAt: since } }, sort: { field: 'CREATED_AT', order: 'ASC' } },
        limit: BigInt(2),
        count: true,
        ...(cursor ? { cursor } : {}),
      });
    const found: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search(cursor);
      expect(Number(page.count)).toBe(updated.length);
      found.push(...(page.customers ?? []).map((c) => c.id!));
      cursor = page.cursor;
    } while (cursor);
    expect(found.sort()).toEqual(ids(updated).sort());
    expect(updated.length).toBeLessThan(expected.length);
  });

  it('shows exactly the next day of payments when the clock advances one day', async () => {
    const paymentsAt = (clock: Date) => dataset.square.payments(clock);
    const day = busyDayBefore(dataset.asOf, (clock) => paymentsAt(clock).length);
    const next = new Date(day.getTime() + DAY_MS);
    const since = { locationId: locationIds[0]!, beginTime: day.toISOString() };

    emulator.clock = day;
    expect(await all(client.payments.list(since))).toEqual([]);
    await fetch(`${url}/__sandbox/clock`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clock: next.toISOString() }),
    });
    const known = new Set(paymentsAt(day).map((p) => p.id));
    const appeared = paymentsAt(next).filter((p: SquarePayment) => !known.has(p.id));
    expect(appeared.length).toBeGreaterThan(0);
    expect(ids(await all(client.payments.list(since)))).toEqual(ids(appeared));
  });

  it('retrieves by id and answers an unknown id with NOT_FOUND', async () => {
    const truth = dataset.square.payments(dataset.asOf)[0]!;
    const { payment } = await client.payments.get({ paymentId: truth.id });
    expect(payment?.orderId).toBe(truth.order_id);
    const error = await rejection(client.payments.get({ paymentId: 'no-such-payment' }));
    expect(error.statusCode).toBe(404);
    expect(error.errors[0]).toMatchObject({ category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND' });
  });

  it("rejects bad parameters with Square's error codes", async () => {
    const cases: [Promise<unknown>, string, string][] = [
      [client.customers.list({ limit: 0 }), 'VALUE_TOO_LOW', 'limit'],
      [client.customers.list({ limit: 101 }), 'VALUE_TOO_HIGH', 'limit'],
      [client.customers.search({ limit: BigInt(101) }), 'VALUE_TOO_HIGH', 'limit'],
      [
        client.customers.search({ query: { filter: { updatedAt: { startAt: 'yesterday' } } } }),
        'INVALID_TIME',
        'query.filter.updated_at.start_at',
      ],
      [client.payments.list({ beginTime: 'last tuesday' }), 'INVALID_TIME', 'begin_time'],
      [client.payments.list({ cursor: 'not-a-cursor' }), 'INVALID_CURSOR', 'cursor'],
      [client.orders.search({ locationIds: [] }), 'INVALID_VALUE', 'location_ids'],
      [
        client.orders.search({
          locationIds,
          query: { filter: { dateTimeFilter: { closedAt: { startAt: EPOCH } } } },
        }),
        'INVALID_VALUE',
        'query.sort.sort_field',
      ],
    ];
    // Every call is already under way: each gets its handler now, so none rejects unhandled meanwhile.
    const rejections = cases.map(([call, code, field]) => ({ error: rejection(call), code, field }));
    for (const { error: pending, code, field } of rejections) {
      const error = await pending;
      expect(error.statusCode).toBe(400);
      expect(error.errors[0]).toMatchObject({ category: 'INVALID_REQUEST_ERROR', code, field });
    }
    const sortedByClose = await client.orders.search({
      locationIds,
      query: {
        filter: { dateTimeFilter: { closedAt: { startAt: EPOCH } } },
        sort: { sortField: 'CLOSED_AT', sortOrder: 'ASC' },
      },
      limit: 3,
    });
    expect(sortedByClose.orders).toHaveLength(3);
  });

  it('rejects a wrong token with a 401 SquareError of category AUTHENTICATION_ERROR', async () => {
    const error = await rejection(connect(url, { token: 'EAAAwrong' }).locations.list());
    expect(error.statusCode).toBe(401);
    expect(error.errors[0]).toMatchObject({ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED' });
  });

  describe('faults, as the SDK meets them', () => {
    it('a 429 with Retry-After is waited out and retried by the SDK; without retries it is a 429 SquareError', async () => {
      emulator.faults.add({ kind: 'status', status: 429, retryAfter: 1, path: '/v2/locations' });
      const { locations } = await connect(url, { maxRetries: 2 }).locations.list();
      expect(locations).toHaveLength(dataset.square.locations().length);
      expect(emulator.faults.fired.at(-1)).toMatchObject({ kind: 'status', status: 429 });

      emulator.faults.add({ kind: 'status', status: 429, retryAfter: 1, path: '/v2/locations' });
      const error = await rejection(client.locations.list());
      expect(error.statusCode).toBe(429);
      expect(error.rawResponse?.headers.get('retry-after')).toBe('1');
    });

    it.each([500, 503] as const)(
      'a %i is retried by the SDK; without retries it is a SquareError',
      async (status) => {
        emulator.faults.add({ kind: 'status', status, path: '/v2/customers' });
        const page = await connect(url, { maxRetries: 1 }).customers.list({ limit: 3 });
        expect(page.data).toHaveLength(3);

        emulator.faults.add({ kind: 'status', status, path: '/v2/customers' });
        expect((await rejection(client.customers.list({ limit: 3 }))).statusCode).toBe(status);
      },
    );

    it('a dropped connection is a SquareError without a status, which the SDK does not retry', async () => {
      emulator.faults.add({ kind: 'drop', path: '/v2/refunds' });
      const error = await rejection(connect(url, { maxRetries: 2 }).refunds.list({ beginTime: EPOCH }));
      expect(error.statusCode).toBeUndefined();
      expect(emulator.faults.fired.at(-1)).toMatchObject({ kind: 'drop' });
    });

    it('a malformed body does not throw: the SDK returns a page with no items, so callers must check the raw body', async () => {
      emulator.faults.add({ kind: 'malformed', path: '/v2/payments' });
      const page = await client.payments.list({ locationId: locationIds[0]!, beginTime: EPOCH });
      expect(page.data).toEqual([]);
      expect(page.hasNextPage()).toBe(false);
      expect(page.response).toMatchObject({ ok: false, error: { reason: 'non-json', statusCode: 200 } });
      expect(emulator.faults.fired.at(-1)).toMatchObject({ kind: 'malformed' });
    });
  });
});
