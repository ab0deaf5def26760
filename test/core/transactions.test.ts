import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { runFetch } from '../../src/fetch/run-fetch.ts';
import { Lake } from '../../src/lake/lake.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { SandboxDataset, StripeRefund } from '../../src/sandbox/dataset.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { createSquareEmulator } from '../../src/sandbox/emulators/square.ts';
import { createStripeEmulator } from '../../src/sandbox/emulators/stripe.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { squareSource } from '../../src/sources/square/index.ts';
import { stripeSource } from '../../src/sources/stripe/index.ts';
import { Database, type Row } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const DAY_SECONDS = 86_400;

function localDate(instant: Date, timeZone: string): string {
  return instant.toLocaleDateString('en-CA', { timeZone });
}

const isoDate = (value: unknown) => (value as Date).toISOString().slice(0, 10);

/** 02:30 UTC on the same UTC day: the previous evening in Chicago. */
function halfPastTwoUtc(instant: Date): Date {
  const day = new Date(instant);
  day.setUTCHours(2, 30, 0, 0);
  return day;
}

/**
 * The tiny gym with three planted cases: a Stripe payment and a Square payment at 02:30 UTC, and a
 * partial Stripe refund ten days after its payment.
 */
function plantCases(gym: SandboxDataset) {
  const clock = gym.asOf;
  const intents = gym.stripe.paymentIntents(clock);
  const refunded = new Set(gym.stripe.refunds(clock).map((r) => r.payment_intent));
  const live = intents.filter((i) => i.status === 'succeeded' && i.livemode && !refunded.has(i.id));
  const earlyIntent = live[0]!;
  const lateRefunded = live.find(
    (i) => i.id !== earlyIntent.id && i.created < clock.getTime() / 1000 - 30 * DAY_SECONDS,
  )!;
  const earlyPayment = gym.square.payments(clock).find((p) => p.status === 'COMPLETED')!;
  const lateRefund: StripeRefund = {
    id: 're_3LateRefundForTheTest00000',
    object: 'refund',
    amount: Math.floor(lateRefunded.amount_received / 2),
    charge: lateRefunded.latest_charge!,
    payment_intent: lateRefunded.id,
    created: lateRefunded.created + 10 * DAY_SECONDS,
    currency: 'usd',
    reason: 'requested_by_customer',
    status: 'succeeded',
  };
  const refundedBy = (clockAt: Date) => lateRefund.created * 1000 <= clockAt.getTime();
  const stripe = gym.stripe;
  const square = gym.square;
  const dataset: SandboxDataset = {
    ...gym,
    stripe: {
      ...stripe,
      paymentIntents: (at) =>
        stripe
          .paymentIntents(at)
          .map((i) =>
            i.id === earlyIntent.id
              ? { ...i, created: halfPastTwoUtc(new Date(i.created * 1000)).getTime() / 1000 }
              : i,
          ),
      charges: (at) =>
        stripe
          .charges(at)
          .map((c) =>
            c.id === lateRefund.charge && refundedBy(at)
              ? { ...c, amount_refunded: c.amount_refunded + lateRefund.amount }
              : c,
          ),
      refunds: (at) => (refundedBy(at) ? [...stripe.refunds(at), lateRefund] : stripe.refunds(at)),
    },
    square: {
      ...square,
      payments: (at) =>
        square
          .payments(at)
          .map((p) =>
            p.id === earlyPayment.id
              ? { ...p, created_at: halfPastTwoUtc(new Date(p.created_at)).toISOString() }
              : p,
          ),
    },
  };
  return { dataset, earlyIntent: earlyIntent.id, earlyPayment: earlyPayment.id, lateRefund };
}

/** Net revenue in cents straight from the dataset, by the definition, not by the SQL. */
function expectedNet(dataset: SandboxDataset, clock: Date) {
  const revenueIntents = new Map(
    dataset.stripe
      .paymentIntents(clock)
      .filter((i) => i.status === 'succeeded' && i.livemode)
      .map((i) => [i.id, i]),
  );
  const stripeSales = [...revenueIntents.values()].reduce((n, i) => n + i.amount_received, 0);
  const stripeRefunds = dataset.stripe
    .refunds(clock)
    .filter((r) => r.status === 'succeeded' && revenueIntents.has(r.payment_intent))
    .reduce((n, r) => n + r.amount, 0);
  const completedOrders = new Set(
    dataset.square
      .orders(clock)
      .filter((o) => o.state === 'COMPLETED')
      .map((o) => o.id),
  );
  const squarePayments = new Map(
    dataset.square
      .payments(clock)
      .filter((p) => p.status === 'COMPLETED' && completedOrders.has(p.order_id))
      .map((p) => [p.id, p]),
  );
  const squareSales = [...squarePayments.values()].reduce((n, p) => n + p.amount_money.amount, 0);
  const squareRefunds = dataset.square
    .refunds(clock)
    .filter((r) => r.status === 'COMPLETED' && squarePayments.has(r.payment_id ?? ''))
    .reduce((n, r) => n + r.amount_money.amount, 0);
  return {
    stripe: stripeSales - stripeRefunds,
    square: squareSales - squareRefunds,
    stripeRefunds,
    squareRefunds,
    squarePayments,
  };
}

describe('transactions: net revenue from Stripe and Square, one row per payment line', () => {
  const tempDir = useTempDirs();
  let gym: SandboxDataset;
  let planted: ReturnType<typeof plantCases>;
  let emulators: HttpEmulator[];
  let db: Database;
  let rows: Row[];

  beforeAll(async () => {
    gym = generateGym({ size: 'tiny' });
    planted = plantCases(gym);
    const stripe = createStripeEmulator(planted.dataset);
    const square = createSquareEmulator(planted.dataset);
    emulators = [stripe, square];
    await Promise.all(emulators.map((e) => e.listen()));
    const lake = new Lake({ kind: 'local', dir: await tempDir() });
    const config = loadConfig({
      env: {
        STRIPE_API_KEY: sandboxCredentials.stripeApiKey,
        STRIPE_API_URL: stripe.url,
        SQUARE_ACCESS_TOKEN: sandboxCredentials.squareAccessToken,
        SQUARE_API_URL: square.url,
        BASIN_TIMEZONE: gym.timeZone,
      },
      cwd: lake.root,
    });
    db = await Database.open(lake, { timeZone: config.timeZone });
    const results = await runFetch(db, config, [stripeSource(), squareSource()], {
      runId: 'run-1',
      now: gym.asOf,
      log: () => {},
    });
    expect(results.every((r) => r.status === 'ok')).toBe(true);

    // transactions and the models it reads, nothing else.
    const runner = await openRunner(db, { vars: { time_zone: config.timeZone } });
    await runner.build(runner.graph.withUpstream(['transactions']));
    rows = await db.query('select * from transactions');
  });

  afterAll(async () => {
    db?.close();
    await Promise.all((emulators ?? []).map((e) => e.close()));
  });

  const cents = (row: Row) => Number(row.amount_cents);
  const sum = (selected: Row[]) => selected.reduce((n, r) => n + cents(r), 0);

  it('adds up to live succeeded Stripe receipts and completed Square sales, less refunds', () => {
    const expected = expectedNet(planted.dataset, gym.asOf);
    expect(sum(rows.filter((r) => r.source === 'stripe'))).toBe(expected.stripe);
    expect(sum(rows.filter((r) => r.source === 'square'))).toBe(expected.square);
    expect(-sum(rows.filter((r) => r.source === 'stripe' && r.is_refund))).toBe(expected.stripeRefunds);
    expect(-sum(rows.filter((r) => r.source === 'square' && r.is_refund))).toBe(expected.squareRefunds);
    expect(expected.squareRefunds).toBeGreaterThan(0);
    for (const row of rows) expect(Number(row.amount)).toBe(cents(row) / 100);
  });

  it('leaves out test-mode and failed intents', () => {
    const intents = planted.dataset.stripe.paymentIntents(gym.asOf);
    const notRevenue = intents.filter((i) => !i.livemode || i.status !== 'succeeded').map((i) => i.id);
    expect(intents.some((i) => !i.livemode)).toBe(true);
    const paymentIds = new Set(rows.map((r) => r.payment_id));
    for (const id of notRevenue) expect(paymentIds.has(id), id).toBe(false);
    expect(rows.filter((r) => r.source === 'stripe' && !r.is_refund).length).toBe(
      intents.length - notRevenue.length,
    );
  });

  it('dates a payment at 02:30 UTC on the previous gym-local day, and every row on its local day', () => {
    for (const id of [planted.earlyIntent, planted.earlyPayment]) {
      const sale = rows.find((r) => r.payment_id === id && !r.is_refund)!;
      const at = sale.occurred_at as Date;
      expect(at.toISOString().slice(11, 16)).toBe('02:30');
      const previousDay = new Date(at.getTime() - DAY_SECONDS * 1000).toISOString().slice(0, 10);
      expect(isoDate(sale.local_date)).toBe(previousDay);
    }
    for (const row of rows)
      expect(isoDate(row.local_date)).toBe(localDate(row.occurred_at as Date, gym.timeZone));
  });

  it('splits each Square payment into lines that add up to it exactly', () => {
    const { squarePayments } = expectedNet(planted.dataset, gym.asOf);
    const lines = new Map<string, Row[]>();
    for (const row of rows.filter((r) => r.source === 'square' && !r.is_refund))
      lines.set(String(row.payment_id), [...(lines.get(String(row.payment_id)) ?? []), row]);
    expect([...lines.keys()].sort()).toEqual([...squarePayments.keys()].sort());
    for (const [id, payment] of squarePayments)
      expect(sum(lines.get(id)!), id).toBe(payment.amount_money.amount);
    expect([...lines.values()].some((l) => l.length > 1)).toBe(true);
  });

  it('puts a late refund on its own date, negative, under the category of what it refunds', () => {
    const refund = planted.lateRefund;
    const sale = rows.find((r) => r.transaction_id === refund.payment_intent)!;
    const row = rows.find((r) => r.transaction_id === `refund_${refund.id}`)!;
    expect(cents(row)).toBe(-refund.amount);
    expect(row).toMatchObject({
      source: 'stripe',
      payment_id: refund.payment_intent,
      is_refund: true,
      refund_of_transaction_id: refund.payment_intent,
      category: sale.category,
      sub_category: sale.sub_category,
      description: sale.description,
      day_pass_count: 0,
    });
    expect(isoDate(row.local_date)).toBe(localDate(new Date(refund.created * 1000), gym.timeZone));
    expect(isoDate(row.local_date)).not.toBe(isoDate(sale.local_date));
    // The sale itself stays whole on its own day.
    const intent = planted.dataset.stripe
      .paymentIntents(gym.asOf)
      .find((i) => i.id === refund.payment_intent)!;
    expect(sale.is_refund).toBe(false);
    expect(cents(sale)).toBe(intent.amount_received);
  });

  it('shares a Square refund over the refunded payment’s lines, each keeping its line’s category', () => {
    const byId = new Map(rows.map((r) => [String(r.transaction_id), r]));
    for (const refund of planted.dataset.square.refunds(gym.asOf)) {
      const refundRows = rows.filter((r) => r.source === 'square' && r.refund_id === refund.id);
      expect(refundRows.length).toBeGreaterThan(0);
      expect(-sum(refundRows)).toBe(refund.amount_money.amount);
      for (const row of refundRows) {
        const line = byId.get(String(row.refund_of_transaction_id))!;
        expect(line).toMatchObject({ payment_id: refund.payment_id, is_refund: false });
        expect(row).toMatchObject({ category: line.category, item_name: line.item_name, is_refund: true });
        expect(isoDate(row.local_date)).toBe(localDate(new Date(refund.created_at), gym.timeZone));
      }
    }
  });

  it('categorises Square lines by item and variation, counting day passes by quantity', () => {
    const square = rows.filter((r) => r.source === 'square' && !r.is_refund);
    const dayPasses = square.filter((r) => r.item_name === 'Day Pass');
    expect(dayPasses.length).toBeGreaterThan(0);
    for (const row of dayPasses) {
      expect(row).toMatchObject({ category: 'day_pass', day_pass_count: Number(row.quantity) });
      expect(row.includes_gear).toBe(String(row.variation_name).includes('with Gear'));
    }
    for (const row of rows.filter((r) => r.category !== 'day_pass' || r.is_refund))
      expect(row.day_pass_count).toBe(0);
    expect(square.filter((r) => r.item_name === 'Chalk').every((r) => r.category === 'retail')).toBe(true);
  });

  it('carries promo codes, Capitan membership numbers and who paid', () => {
    const byPayment = new Map<string, Row[]>();
    for (const row of rows.filter((r) => !r.is_refund))
      byPayment.set(String(row.payment_id), [...(byPayment.get(String(row.payment_id)) ?? []), row]);
    const redemptions = gym.truth.redemptions.filter((r) => byPayment.has(r.payment_id));
    expect(new Set(redemptions.map((r) => r.source))).toEqual(new Set(['stripe', 'square']));
    // A code is read where Square keeps it; a Stripe payment Capitan charged carries none.
    for (const redemption of redemptions)
      for (const row of byPayment.get(redemption.payment_id)!)
        expect(row.promo_code).toBe(redemption.source === 'square' ? redemption.code : null);
    expect(rows.filter((r) => r.source === 'stripe' && r.promo_code !== null)).toEqual([]);

    const memberships = new Set(gym.capitan.memberships(gym.asOf).map((m) => String(m.id)));
    const renewals = rows.filter((r) => /^Capitan membership #\d+/.test(String(r.description)));
    expect(renewals.length).toBeGreaterThan(0);
    for (const row of renewals) {
      expect(row.membership_id).toBe(/#(\d+)/.exec(String(row.description))![1]);
      expect(memberships.has(String(row.membership_id))).toBe(true);
    }

    const intents = new Map(planted.dataset.stripe.paymentIntents(gym.asOf).map((i) => [i.id, i]));
    const charges = new Map(planted.dataset.stripe.charges(gym.asOf).map((c) => [c.id, c]));
    for (const row of rows.filter((r) => r.source === 'stripe' && !r.is_refund)) {
      const intent = intents.get(String(row.payment_id))!;
      const charge = charges.get(intent.latest_charge!)!;
      expect(row).toMatchObject({
        stripe_customer_id: intent.customer,
        email: (charge.receipt_email ?? charge.billing_details.email)?.trim() ?? null,
        billing_name: charge.billing_details.name?.trim() ?? null,
      });
    }
  });

  it('has the columns reports rely on, with their types', async () => {
    const columns = await db.query(
      `select column_name, data_type from information_schema.columns where table_name = 'transactions'`,
    );
    const types = Object.fromEntries(columns.map((c) => [c.column_name, c.data_type]));
    expect(types).toMatchObject({
      transaction_id: 'VARCHAR',
      source: 'VARCHAR',
      payment_id: 'VARCHAR',
      occurred_at: 'TIMESTAMP WITH TIME ZONE',
      local_date: 'DATE',
      amount: 'DECIMAL(12,2)',
      category: 'VARCHAR',
      includes_gear: 'BOOLEAN',
      day_pass_count: 'INTEGER',
      is_refund: 'BOOLEAN',
    });
    for (const name of [
      'quantity',
      'description',
      'item_name',
      'variation_name',
      'sub_category',
      'promo_code',
      'membership_id',
      'stripe_customer_id',
      'square_customer_id',
      'email',
      'billing_name',
      'refund_of_transaction_id',
    ])
      expect(types, name).toHaveProperty(name);
    expect(new Set(rows.map((r) => r.transaction_id)).size).toBe(rows.length);
  });
});
