import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { stage } from '../../src/pipeline/stage.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { SandboxDataset, SquareOrder, SquarePayment, SquareRefund } from '../../src/sandbox/dataset.ts';
import { createSquareEmulator } from '../../src/sandbox/emulators/square.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { type SquareSourceOptions, squareSource } from '../../src/sources/square/index.ts';
import { openSourceHarness, useOpenedPerTest } from '../support/source-harness.ts';

const DAY = 86_400_000;
const streams = ['locations', 'customers', 'payments', 'orders', 'refunds'] as const;
type Stream = (typeof streams)[number];

/** The orders the payments at `clock` belong to: what the fetcher asks Square for. */
function ordersOfPayments(dataset: SandboxDataset, clock: Date, payments = dataset.square.payments(clock)) {
  const wanted = new Set(payments.map((p) => p.order_id));
  return dataset.square.orders(clock).filter((o) => wanted.has(o.id));
}

function expectedIds(dataset: SandboxDataset, clock: Date): Record<Stream, string[]> {
  const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();
  return {
    locations: ids(dataset.square.locations()),
    customers: ids(dataset.square.customers(clock)),
    payments: ids(dataset.square.payments(clock)),
    orders: ids(ordersOfPayments(dataset, clock)),
    refunds: ids(dataset.square.refunds(clock)),
  };
}

/** Ids of records new at `after` or whose API rendering changed since `before`. */
function changedIds<T extends { id: string }>(before: T[], after: T[]): string[] {
  const old = new Map(before.map((r) => [r.id, JSON.stringify(r)]));
  return after.filter((r) => old.get(r.id) !== JSON.stringify(r)).map((r) => r.id);
}

function localDate(instant: Date, timeZone: string): string {
  return instant.toLocaleDateString('en-CA', { timeZone });
}

const isoDate = (value: unknown) => (value as Date).toISOString().slice(0, 10);

/**
 * A payment's amount shared over its order's lines by line total (equally when all are zero),
 * rounding each share and giving the last line the remainder: the rule, written out independently.
 */
function expectedShares(payment: SquarePayment, order: SquareOrder): number[] {
  const weights = order.line_items.map((l) => l.total_money.amount);
  const total = weights.reduce((a, b) => a + b, 0);
  const amount = payment.amount_money.amount;
  const shares = weights.map((w) =>
    total === 0 ? Math.round(amount / weights.length) : Math.round((amount * w) / total),
  );
  shares[shares.length - 1] = amount - shares.slice(0, -1).reduce((a, b) => a + b, 0);
  return shares;
}

async function openSquare(
  dir: string,
  dataset: SandboxDataset,
  options: { clock?: Date; source?: SquareSourceOptions; listLagMs?: number } = {},
) {
  const emulator = createSquareEmulator(dataset, {
    clock: options.clock ?? dataset.asOf,
    ...(options.listLagMs ? { listLagMs: options.listLagMs } : {}),
  });
  await emulator.listen();
  const harness = await openSourceHarness({
    dir,
    emulator,
    source: squareSource(options.source ?? { retry: { minTimeoutMs: 5 } }),
    env: { SQUARE_ACCESS_TOKEN: sandboxCredentials.squareAccessToken, SQUARE_API_URL: emulator.url },
    timeZone: dataset.timeZone,
  });
  return { ...harness, log: harness.logs };
}

describe('Square source', () => {
  let gym: SandboxDataset;

  beforeAll(() => {
    gym = generateGym({ size: 'tiny' });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
  });

  const open = useOpenedPerTest(openSquare);
  const setup = (options: Parameters<typeof openSquare>[2] & { dataset?: SandboxDataset } = {}) =>
    open(options.dataset ?? gym, options);

  /** Every URL the code under test fetches, from here on. */
  function recordUrls(): () => URL[] {
    const spy = vi.spyOn(globalThis, 'fetch');
    return () =>
      spy.mock.calls.map(([input]) => new URL(String(input instanceof Request ? input.url : input)));
  }

  it('backfills every record, the whole history per location, orders by one search per 1000', async () => {
    const { run, rawIds, emulator, db } = await setup();
    const urls = recordUrls();
    const results = await run();
    expect(results.map((r) => [r.stream, r.status, r.since, r.error])).toEqual(
      streams.map((s) => [s, 'ok', undefined, undefined]),
    );
    const expected = expectedIds(gym, emulator.clock);
    for (const stream of streams) expect(await rawIds(stream), stream).toEqual(expected[stream]);
    expect(expected.orders.length).toBeGreaterThan(100);

    // Square lists one year by default; a backfill asks for everything, location by location.
    const payments = urls().filter((url) => url.pathname === '/v2/payments');
    expect(payments[0]?.searchParams.get('begin_time')).toBe('2009-01-01T00:00:00.000Z');
    expect(payments[0]?.searchParams.get('end_time')).toBe(emulator.clock.toISOString());
    expect(new Set(payments.map((url) => url.searchParams.get('location_id')))).toEqual(
      new Set(expected.locations),
    );
    // Every order of a payment closed inside the window, so the search finds them all.
    expect(emulator.requestCounts.get('/v2/orders/search')).toBe(Math.ceil(expected.orders.length / 1000));
    expect(emulator.requestCounts.has('/v2/orders/batch-retrieve')).toBe(false);

    // Raw holds Square's own JSON (snake_case, plain numbers), not the SDK's camelCase objects.
    const stored = await db.query('select record_id, payload from raw_square__orders');
    const orders = new Map(gym.square.orders(emulator.clock).map((o) => [o.id, o]));
    for (const row of stored)
      expect(JSON.parse(String(row.payload))).toEqual(orders.get(String(row.record_id)));
  });

  it('re-runs over the last 2 + 7 days without writing anything, staging unchanged', async () => {
    const { run, stageAll, db, emulator } = await setup();
    await run();
    const snapshot = async () => {
      const tables: Record<string, unknown[]> = {};
      for (const model of (await stageAll()).models)
        tables[model.name] = await db.query(`select * from ${model.name} order by all`);
      return tables;
    };
    const before = await snapshot();

    const again = await run();
    expect(again.map((r) => [r.stream, r.status, r.written])).toEqual(streams.map((s) => [s, 'ok', 0]));
    const since = new Date(emulator.clock.getTime() - 9 * DAY);
    const inWindow = (p: { created_at: string }) => Date.parse(p.created_at) >= since.getTime();
    const windowPayments = gym.square.payments(emulator.clock).filter(inWindow);
    expect(again.find((r) => r.stream === 'payments')).toMatchObject({
      since,
      fetched: windowPayments.length,
    });
    expect(again.find((r) => r.stream === 'orders')?.fetched).toBe(
      ordersOfPayments(gym, emulator.clock, windowPayments).length,
    );
    expect(again.find((r) => r.stream === 'refunds')?.fetched).toBe(
      gym.square.refunds(emulator.clock).filter(inWindow).length,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('after the clock moves one day, writes exactly that day’s records, orders opened long before included', async () => {
    const dayAt = (n: number) => new Date(gym.asOf.getTime() - n * DAY);
    const newPayments = (n: number) =>
      gym.square.payments(dayAt(n - 1)).length - gym.square.payments(dayAt(n)).length;
    let busiest = 1;
    for (let n = 2; n <= 120; n++) if (newPayments(n) > newPayments(busiest)) busiest = n;
    const start = dayAt(busiest);
    const next = dayAt(busiest - 1);

    // One of the day's sales rings up an order opened three weeks earlier, before the fetch window.
    const sale = gym.square.payments(next).find((p) => Date.parse(p.created_at) > start.getTime())!;
    const openedEarly = new Date(Date.parse(sale.created_at) - 21 * DAY).toISOString();
    const square = gym.square;
    const dataset: SandboxDataset = {
      ...gym,
      square: {
        ...square,
        orders: (clock) =>
          square.orders(clock).map((o) => (o.id === sale.order_id ? { ...o, created_at: openedEarly } : o)),
      },
    };

    const { run, rawIds, emulator } = await setup({ dataset, clock: start });
    await run();
    emulator.clock = next;
    const results = await run();

    const since = next.getTime() - 9 * DAY;
    const inWindow = (r: { created_at: string }) => Date.parse(r.created_at) >= since;
    const payments = changedIds(square.payments(start), square.payments(next).filter(inWindow));
    const storedOrders = ordersOfPayments(dataset, start);
    const windowOrders = ordersOfPayments(dataset, next, square.payments(next).filter(inWindow));
    expect(Object.fromEntries(results.map((r) => [r.stream, r.written]))).toEqual({
      locations: 0,
      customers: changedIds(square.customers(start), square.customers(next)).length,
      payments: payments.length,
      orders: changedIds(storedOrders, windowOrders).length,
      refunds: changedIds(square.refunds(start), square.refunds(next).filter(inWindow)).length,
    });
    expect(payments.length).toBeGreaterThan(0);
    // Customers: only those updated since the last run (ten minutes of reach-back) are searched for.
    const updatedSince = (c: { updated_at: string }) =>
      Date.parse(c.updated_at) >= start.getTime() - 10 * 60_000;
    const fetchedCustomers = results.find((r) => r.stream === 'customers')?.fetched;
    expect(fetchedCustomers).toBe(square.customers(next).filter(updatedSince).length);
    expect(fetchedCustomers).toBeLessThan(square.customers(next).length);
    expect(await rawIds('orders')).toContain(sale.order_id);
    const expected = expectedIds(dataset, next);
    for (const stream of streams) expect(await rawIds(stream), stream).toEqual(expected[stream]);
  });

  it('rides out 429 with Retry-After, 5xx, a dropped connection and a malformed page', async () => {
    const { run, rawIds, emulator, log } = await setup();
    emulator.faults.add(
      { kind: 'status', status: 429, retryAfter: 1, path: '/v2/payments' },
      { kind: 'status', status: 500, path: '/v2/customers' },
      { kind: 'drop', path: '/v2/orders/search' },
      { kind: 'malformed', path: '/v2/refunds' },
    );
    const results = await run();
    expect(results.map((r) => [r.stream, r.status])).toEqual(streams.map((s) => [s, 'ok']));
    expect(emulator.faults.fired.map((f) => f.kind)).toEqual(['status', 'status', 'drop', 'malformed']);
    // Our retries, not the SDK's: the wait honours Retry-After and shows in the log.
    expect(log).toContainEqual(
      expect.stringMatching(/^square\/payments: retry 1 in 1000 ms after: Square answered 429/),
    );
    expect(log).toContainEqual(
      expect.stringMatching(/^square\/refunds: retry 1 in \d+ ms after: .*not JSON/),
    );
    const expected = expectedIds(gym, emulator.clock);
    for (const stream of streams) expect(await rawIds(stream), stream).toEqual(expected[stream]);
  });

  it('reports a truncated customers page as that stream failing, by Square’s own count', async () => {
    const { run, rawIds, emulator } = await setup();
    emulator.faults.add({ kind: 'truncate', path: '/v2/customers' });
    const results = await run();
    expect(results.map((r) => [r.stream, r.status])).toEqual([
      ['locations', 'ok'],
      ['customers', 'failed'],
      ['payments', 'ok'],
      ['orders', 'ok'],
      ['refunds', 'ok'],
    ]);
    const total = gym.square.customers(emulator.clock).length;
    expect(total).toBeLessThanOrEqual(100);
    expect(results[1]?.error).toBe(
      `customers: Square counts ${total} customers but listed ${Math.ceil(total / 2)}`,
    );
    expect(await rawIds('payments')).toEqual(expectedIds(gym, emulator.clock).payments);

    const retried = await run();
    expect(retried.find((r) => r.stream === 'customers')).toMatchObject({ status: 'ok', since: undefined });
    expect(await rawIds('customers')).toEqual(expectedIds(gym, emulator.clock).customers);
  });

  it('makes a truncated order search whole by fetching by id the orders payments name', async () => {
    const { run, rawIds, emulator } = await setup();
    emulator.faults.add({ kind: 'truncate', path: '/v2/orders/search' });
    const results = await run();
    expect(results.map((r) => [r.stream, r.status])).toEqual(streams.map((s) => [s, 'ok']));
    const total = expectedIds(gym, emulator.clock).orders.length;
    expect(emulator.requestCounts.get('/v2/orders/batch-retrieve')).toBe(
      Math.ceil((total - Math.ceil(total / 2)) / 100),
    );
    expect(await rawIds('orders')).toEqual(expectedIds(gym, emulator.clock).orders);
  });

  it('reports orders neither the search nor the batch returned, naming them', async () => {
    const { run, rawIds, emulator } = await setup();
    emulator.faults.add(
      { kind: 'truncate', path: '/v2/orders/search' },
      { kind: 'truncate', path: '/v2/orders/batch-retrieve' },
    );
    const results = await run();
    const orders = results.find((r) => r.stream === 'orders')!;
    expect(results.filter((r) => r.status === 'failed').map((r) => r.stream)).toEqual(['orders']);
    const total = expectedIds(gym, emulator.clock).orders.length;
    // The search lost its second half; the first batch of the rest lost its own second half.
    const batch = Math.min(100, total - Math.ceil(total / 2));
    const lost = batch - Math.ceil(batch / 2);
    const [, count, named] = /^orders: (\d+) order\(s\) named by payments were not returned \((.+)\)$/.exec(
      orders.error ?? '',
    )!;
    expect(Number(count)).toBe(lost);
    const stored = await rawIds('orders');
    expect(stored.length).toBe(total - lost);
    for (const id of named!.split(', ')) expect(stored).not.toContain(id);
  });

  it('fetches a truncated payments page completely by the next run, having failed the stream', async () => {
    const { run, rawIds, emulator } = await setup();
    emulator.faults.add({ kind: 'truncate', path: '/v2/payments' });
    const all = expectedIds(gym, emulator.clock).payments;
    expect(all.length).toBeGreaterThan(100);
    const first = await run();
    const payments = first.find((r) => r.stream === 'payments')!;
    // The first page of 100 lost its second half; the orders' tenders name every payment lost.
    expect(payments).toMatchObject({ status: 'failed', fetched: all.length - 50 });
    expect(payments.error).toMatch(/^payments: 50 payment\(s\) named by orders' tenders were not listed \(/);
    expect(first.filter((r) => r.status === 'failed').map((r) => r.stream)).toEqual(['payments']);
    expect((await rawIds('payments')).length).toBe(all.length - 50);

    // Weeks later: the payments backfill, whose refunds are older than the refunds' own window.
    emulator.clock = new Date(emulator.clock.getTime() + 20 * DAY);
    const second = await run();
    expect(second.map((r) => [r.stream, r.status, r.error])).toEqual(
      streams.map((s) => [s, 'ok', undefined]),
    );
    expect(second.find((r) => r.stream === 'payments')).toMatchObject({ since: undefined });
    expect(await rawIds('payments')).toEqual(expectedIds(gym, emulator.clock).payments);
    expect((await rawIds('payments')).length).toBeGreaterThanOrEqual(all.length);
  });

  describe('refunds', () => {
    /** A refund of a payment made well before it, so the payment is listed whatever the lag. */
    const lateRefund = () =>
      gym.square
        .refunds(gym.asOf)
        .filter((r) => {
          const payment = gym.square.payments(gym.asOf).find((p) => p.id === r.payment_id);
          return payment && Date.parse(r.created_at) - Date.parse(payment.created_at) > 3_600_000;
        })
        .at(-1)!;
    const windowUntil = async (db: Awaited<ReturnType<typeof setup>>['db'], stream: string) =>
      (await db.query('select window_until from fetch_state where stream = $stream', { stream }))[0]
        ?.window_until;

    it('takes a refund made while the run reads payments as the next run’s, not as a gap', async () => {
      const refund = lateRefund();
      const start = new Date(Date.parse(refund.created_at) - 10_000);
      const { run, rawIds, emulator } = await setup({ clock: start });
      // A minute passes while the payments are listed: the payment now names the new refund, which
      // the refund list, bounded by the run's start, rightly leaves out.
      emulator.faults.add({ kind: 'advance', ms: 60_000, path: '/v2/payments' });
      const results = await run();
      expect(results.map((r) => [r.stream, r.status, r.warnings])).toEqual(streams.map((s) => [s, 'ok', []]));
      expect(await rawIds('refunds')).not.toContain(refund.id);
      expect(emulator.requestCounts.get('/v2/refunds/:id')).toBe(1);

      emulator.clock = new Date(start.getTime() + DAY);
      expect((await run()).every((r) => r.status === 'ok')).toBe(true);
      expect(await rawIds('refunds')).toContain(refund.id);
    });

    it('takes a refund the eventually consistent list does not show yet as a lag, re-read next run', async () => {
      const refund = lateRefund();
      const start = new Date(Date.parse(refund.created_at) + 20_000);
      const { run, rawIds, db, emulator, log } = await setup({ clock: start, listLagMs: 60_000 });
      const results = await run();
      expect(results.map((r) => [r.stream, r.status])).toEqual(streams.map((s) => [s, 'ok']));
      expect(results.find((r) => r.stream === 'refunds')?.warnings).toEqual([
        `1 refund(s) of the last minutes not listed yet (${refund.id})`,
      ]);
      expect(log).toContainEqual(
        expect.stringMatching(/^square\/refunds: warning: .*the next run reads it again$/),
      );
      expect(await rawIds('refunds')).not.toContain(refund.id);
      // The window is held back to the refund, so the next run lists it.
      expect(await windowUntil(db, 'refunds')).toEqual(new Date(refund.created_at));

      emulator.clock = new Date(start.getTime() + DAY);
      const next = await run();
      expect(next.find((r) => r.stream === 'refunds')).toMatchObject({ status: 'ok', warnings: [] });
      expect(await rawIds('refunds')).toContain(refund.id);
    });

    it('takes payments of the last seconds that the list does not show yet as a lag', async () => {
      const payment = gym.square.payments(gym.asOf).at(-1)!;
      const start = new Date(Date.parse(payment.created_at) + 20_000);
      const { run, emulator } = await setup({ clock: start, listLagMs: 60_000 });
      const results = await run();
      const lagging = gym.square
        .payments(start)
        .filter((p) => Date.parse(p.created_at) > start.getTime() - 60_000)
        .map((p) => p.id);
      expect(lagging).toContain(payment.id);
      expect(results.find((r) => r.stream === 'payments')).toMatchObject({
        status: 'ok',
        warnings: [
          `${lagging.length} payment(s) of the last minutes not listed yet (${lagging.slice(0, 3).join(', ')})`,
        ],
      });
      expect(emulator.clock).toEqual(start);
    });

    it('accepts an unlinked refund, which names no payment, and counts it in net revenue', async () => {
      const square = gym.square;
      const at = new Date(gym.asOf.getTime() - 3 * DAY);
      const unlinked: SquareRefund = {
        id: 'UNLINKEDREFUND0000000000001',
        status: 'COMPLETED',
        amount_money: { amount: 2_500, currency: 'USD' },
        unlinked: true,
        destination_type: 'CARD',
        location_id: square.locations()[0]!.id,
        created_at: at.toISOString(),
        updated_at: at.toISOString(),
        reason: 'Returned item',
      };
      const dataset: SandboxDataset = {
        ...gym,
        square: {
          ...square,
          refunds: (clock) => [...square.refunds(clock), ...(clock >= at ? [unlinked] : [])],
        },
      };
      const { run, rawIds, db, stageAll } = await setup({ dataset });
      const results = await run();
      expect(results.find((r) => r.stream === 'refunds')).toMatchObject({ status: 'ok', rejected: 0 });
      expect(await rawIds('refunds')).toContain(unlinked.id);
      await stageAll();
      expect(
        await db.query('select payment_id, amount_cents from stg_square__refunds where refund_id = $id', {
          id: unlinked.id,
        }),
      ).toEqual([{ payment_id: null, amount_cents: 2_500n }]);
    });
  });

  it('rejects a payment whose amount is not in cents, with the reason, and keeps the rest', async () => {
    const broken = gym.square.payments(gym.asOf).at(-1)!;
    const dataset: SandboxDataset = {
      ...gym,
      square: {
        ...gym.square,
        payments: (clock) =>
          gym.square
            .payments(clock)
            .map((p) =>
              p.id === broken.id
                ? ({ ...p, amount_money: { amount: '47.64', currency: 'USD' } } as unknown as SquarePayment)
                : p,
            ),
      },
    };
    const { run, db } = await setup({ dataset });
    const results = await run();
    expect(results.find((r) => r.stream === 'payments')).toMatchObject({
      status: 'ok',
      rejected: 1,
      written: gym.square.payments(gym.asOf).length - 1,
    });
    expect(await db.query('select source, stream, record_id, reason from rejected_records')).toEqual([
      {
        source: 'square',
        stream: 'payments',
        record_id: broken.id,
        reason: 'amount_money.amount: Invalid input: expected number, received string',
      },
    ]);
  });

  describe('staging', () => {
    // Cases the generator does not make on its own: a payment with no order, a payment of an order
    // left OPEN, a multi-line order whose lines are all free, and a birthday without a year.
    let picked: { freeLines: SquarePayment; orderless: SquarePayment; openOrder: SquarePayment };
    const freeLines = () => picked.freeLines;
    const orderless = () => picked.orderless;
    const openOrder = () => picked.openOrder;
    const yearless = () => gym.square.customers(gym.asOf)[0]!;
    const lineCount = (orderId: string) =>
      gym.square.orders(gym.asOf).find((o) => o.id === orderId)?.line_items.length ?? 1;

    let dataset: SandboxDataset;
    let opened: Awaited<ReturnType<typeof openSquare>>;
    let result: Awaited<ReturnType<typeof stage>>;
    let dir: string;

    beforeAll(async () => {
      const square = gym.square;
      const orders = new Map(square.orders(gym.asOf).map((o) => [o.id, o]));
      const all = square.payments(gym.asOf);
      const multi = all.find((p) => orders.get(p.order_id)!.line_items.length > 1)!;
      const others = all.filter((p) => p.id !== multi.id);
      picked = { freeLines: multi, orderless: others[0]!, openOrder: others[1]! };
      const [noOrder, open, free, noYear] = [
        orderless().id,
        openOrder().order_id,
        freeLines().order_id,
        yearless().id,
      ];
      dataset = {
        ...gym,
        square: {
          ...square,
          payments: (clock) =>
            square.payments(clock).map((p) => {
              if (p.id !== noOrder) return p;
              const { order_id: _dropped, ...rest } = p;
              return rest as SquarePayment;
            }),
          orders: (clock) =>
            square.orders(clock).map((o) => {
              if (o.id === open) return { ...o, state: 'OPEN' as const };
              if (o.id === free)
                return {
                  ...o,
                  line_items: o.line_items.map((l) => ({
                    ...l,
                    total_money: { amount: 0, currency: 'USD' as const },
                  })),
                };
              return o;
            }),
          customers: (clock) =>
            square.customers(clock).map((c) => (c.id === noYear ? { ...c, birthday: '0000-09-21' } : c)),
        },
      };
      dir = await mkdtemp(path.join(os.tmpdir(), 'basin-test-'));
      opened = await openSquare(dir, dataset);
      await opened.run();
      result = await opened.stageAll();
    });

    afterAll(async () => {
      await opened?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('builds every table with every record, every date parsed', () => {
      const square = dataset.square;
      // The backfill searches every completed order, and retrieves the others its payments name.
      const named = new Set(ordersOfPayments(dataset, gym.asOf).map((o) => o.id));
      const fetchedOrders = square.orders(gym.asOf).filter((o) => o.state === 'COMPLETED' || named.has(o.id));
      const completedLines = square
        .payments(gym.asOf)
        .filter((p) => p.id !== openOrder().id)
        .reduce((n, p) => n + (p.order_id ? lineCount(p.order_id) : 1), 0);
      expect(Object.fromEntries(result.models.map((m) => [m.name, m.rows]))).toEqual({
        stg_square__payments: square.payments(gym.asOf).length,
        stg_square__payment_lines: completedLines,
        stg_square__customers: square.customers(gym.asOf).length,
        stg_square__refunds: square.refunds(gym.asOf).length,
        stg_square__order_discounts: fetchedOrders.reduce((n, o) => n + (o.discounts?.length ?? 0), 0),
        stg_square__orders: fetchedOrders.length,
      });
      expect(result.unparsedDates).toEqual([]);
    });

    it('shares each payment over its line items in proportion, summing to the payment exactly', async () => {
      const rows = await opened.db.query('select * from stg_square__payment_lines order by transaction_id');
      const byPayment = new Map<string, typeof rows>();
      for (const row of rows)
        byPayment.set(String(row.payment_id), [...(byPayment.get(String(row.payment_id)) ?? []), row]);
      const fetched = new Map(dataset.square.orders(gym.asOf).map((o) => [o.id, o]));
      let multiLinePayments = 0;
      for (const payment of dataset.square.payments(gym.asOf)) {
        const lines = byPayment.get(payment.id) ?? [];
        if (payment.id === openOrder().id) {
          expect(lines).toEqual([]);
          continue;
        }
        const sum = lines.reduce((n, l) => n + Number(l.amount_cents), 0);
        expect(sum, payment.id).toBe(payment.amount_money.amount);
        if (payment.id === orderless().id) {
          expect(lines).toMatchObject([
            { transaction_id: `${payment.id}_item_0`, order_id: null, item_name: null, quantity: 1 },
          ]);
          continue;
        }
        const order = fetched.get(payment.order_id)!;
        const shares = expectedShares(payment, order);
        if (order.line_items.length > 1) multiLinePayments++;
        expect(lines.map((l) => Number(l.amount_cents))).toEqual(shares);
        order.line_items.forEach((item, k) => {
          expect(lines[k]).toMatchObject({
            transaction_id: `${payment.id}_item_${k}`,
            order_id: order.id,
            item_name: item.name,
            variation_name: item.variation_name,
            quantity: Number(item.quantity),
            base_price_cents: BigInt(item.base_price_money.amount),
            line_total_cents: BigInt(item.total_money.amount),
            tax_cents: BigInt(item.total_tax_money.amount),
            discount_cents: BigInt(item.total_discount_money.amount),
          });
        });
      }
      expect(multiLinePayments).toBeGreaterThan(1);
      // All-free lines share the payment equally, the remainder on the last.
      const free = freeLines();
      const n = fetched.get(free.order_id)!.line_items.length;
      const equal = Math.round(free.amount_money.amount / n);
      expect(byPayment.get(free.id)!.map((l) => Number(l.amount_cents))).toEqual([
        ...Array.from({ length: n - 1 }, () => equal),
        free.amount_money.amount - equal * (n - 1),
      ]);
    });

    it('dates each line on the gym’s calendar and describes it by item and variation', async () => {
      const rows = await opened.db.query(
        'select payment_id, item_name, variation_name, description, created_at, created_local_date from stg_square__payment_lines',
      );
      let eveningSales = 0;
      for (const row of rows) {
        const created = row.created_at as Date;
        expect(isoDate(row.created_local_date)).toBe(localDate(created, gym.timeZone));
        if (isoDate(row.created_local_date) !== created.toISOString().slice(0, 10)) eveningSales++;
        if (row.item_name === null) continue;
        const both = `${row.item_name} — ${row.variation_name}`;
        expect([both, row.item_name]).toContain(row.description);
        if (row.description === row.item_name) expect(row.variation_name).toBe('Regular');
      }
      expect(eveningSales).toBeGreaterThan(0);
    });

    it('finds the promo code typed into each redeemed order', async () => {
      const rows = await opened.db.query(
        'select order_id, promo_code, applied_cents from stg_square__order_discounts',
      );
      const byOrder = new Map(rows.map((r) => [String(r.order_id), r]));
      const orderOf = new Map(dataset.square.payments(gym.asOf).map((p) => [p.id, p.order_id]));
      const redeemed = gym.truth.redemptions.filter(
        (r) => r.source === 'square' && orderOf.get(r.payment_id),
      );
      expect(redeemed.length).toBeGreaterThan(0);
      for (const redemption of redeemed) {
        expect(byOrder.get(orderOf.get(redemption.payment_id)!)).toEqual({
          order_id: orderOf.get(redemption.payment_id),
          promo_code: redemption.code,
          applied_cents: BigInt(redemption.amount_cents),
        });
      }
    });

    it('keeps customers’ identity fields, a yearless birthday as month and day', async () => {
      const rows = await opened.db.query(
        'select square_customer_id, given_name, family_name, email, phone, birthday, birthday_raw, birthday_month_day from stg_square__customers',
      );
      const byId = new Map(rows.map((r) => [String(r.square_customer_id), r]));
      for (const customer of dataset.square.customers(gym.asOf)) {
        expect(byId.get(customer.id)).toMatchObject({
          given_name: customer.given_name?.trim() ?? null,
          family_name: customer.family_name?.trim() ?? null,
          email: customer.email_address?.trim() ?? null,
          phone: customer.phone_number?.trim() ?? null,
        });
      }
      expect(byId.get(yearless().id)).toMatchObject({
        birthday: null,
        birthday_raw: null,
        birthday_month_day: '09-21',
      });
      const dated = dataset.square.customers(gym.asOf).filter((c) => c.birthday && c.id !== yearless().id);
      expect(dated.length).toBeGreaterThan(0);
      for (const customer of dated) {
        expect(isoDate(byId.get(customer.id)?.birthday)).toBe(customer.birthday);
        expect(byId.get(customer.id)).toMatchObject({
          birthday_raw: customer.birthday,
          birthday_month_day: customer.birthday!.slice(5),
        });
      }
    });

    it('links each refund to its payment, on its own date', async () => {
      const rows = await opened.db.query('select * from stg_square__refunds');
      const byId = new Map(rows.map((r) => [String(r.refund_id), r]));
      for (const refund of dataset.square.refunds(gym.asOf)) {
        const created = new Date(refund.created_at);
        expect(byId.get(refund.id)).toMatchObject({
          payment_id: refund.payment_id,
          order_id: refund.order_id,
          status: refund.status,
          amount_cents: BigInt(refund.amount_money.amount),
          created_at: created,
        });
        expect(isoDate(byId.get(refund.id)?.created_local_date)).toBe(localDate(created, gym.timeZone));
      }
    });
  });
});
