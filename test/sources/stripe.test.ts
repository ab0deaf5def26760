import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { stage } from '../../src/pipeline/stage.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { SandboxDataset, StripePaymentIntent } from '../../src/sandbox/dataset.ts';
import { createStripeEmulator } from '../../src/sandbox/emulators/stripe.ts';
import { chargeObject, paymentIntentObject } from '../../src/sandbox/emulators/stripe-objects.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { type StripeSourceOptions, stripeSource } from '../../src/sources/stripe/index.ts';
import { openSourceHarness, useOpenedPerTest } from '../support/source-harness.ts';

const DAY = 86_400_000;
const streams = ['customers', 'payment_intents', 'refunds'] as const;
type Stream = (typeof streams)[number];

/** Payment intents as the fetcher asks for them: the latest charge expanded inline. */
function expandedIntents(dataset: SandboxDataset, clock: Date) {
  const charges = new Map(dataset.stripe.charges(clock).map((c) => [c.id, c]));
  return dataset.stripe.paymentIntents(clock).map((intent) => {
    const charge = intent.latest_charge === null ? undefined : charges.get(intent.latest_charge);
    return paymentIntentObject(intent, charge ? chargeObject(charge) : null);
  });
}

function expectedIds(dataset: SandboxDataset, clock: Date): Record<Stream, string[]> {
  const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();
  return {
    customers: ids(dataset.stripe.customers(clock)),
    payment_intents: ids(dataset.stripe.paymentIntents(clock)),
    refunds: ids(dataset.stripe.refunds(clock)),
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

async function openStripe(
  dir: string,
  dataset: SandboxDataset,
  options: { clock?: Date; source?: StripeSourceOptions } = {},
) {
  const emulator = createStripeEmulator(dataset, { clock: options.clock ?? dataset.asOf });
  await emulator.listen();
  const harness = await openSourceHarness({
    dir,
    emulator,
    source: stripeSource(options.source ?? { retry: { minTimeoutMs: 5 } }),
    env: { STRIPE_API_KEY: sandboxCredentials.stripeApiKey, STRIPE_API_URL: emulator.url },
    timeZone: dataset.timeZone,
  });
  return { ...harness, log: harness.logs };
}

describe('Stripe source', () => {
  let gym: SandboxDataset;

  beforeAll(() => {
    gym = generateGym({ size: 'tiny' });
  });

  const open = useOpenedPerTest(openStripe);
  const setup = (options: Parameters<typeof openStripe>[2] & { dataset?: SandboxDataset } = {}) =>
    open(options.dataset ?? gym, options);

  it('backfills every record, one call per page of 100 with the charge expanded, never one per payment', async () => {
    const { run, rawIds, emulator, db } = await setup();
    const results = await run();
    expect(results.map((r) => [r.stream, r.status, r.since, r.error])).toEqual(
      streams.map((s) => [s, 'ok', undefined, undefined]),
    );
    const expected = expectedIds(gym, emulator.clock);
    for (const stream of streams) expect(await rawIds(stream), stream).toEqual(expected[stream]);

    const intents = expected.payment_intents.length;
    expect(intents).toBeGreaterThan(100);
    expect(Object.fromEntries(emulator.requestCounts)).toEqual({
      '/v1/customers': Math.ceil(expected.customers.length / 100),
      '/v1/payment_intents': Math.ceil(intents / 100),
      '/v1/refunds': Math.ceil(expected.refunds.length / 100),
    });

    // Raw holds each intent exactly as Stripe sent it, the charge inline.
    const stored = await db.query('select record_id, payload from raw_stripe__payment_intents');
    const byId = new Map(expandedIntents(gym, emulator.clock).map((i) => [i.id, i]));
    for (const row of stored)
      expect(JSON.parse(String(row.payload))).toEqual(byId.get(String(row.record_id)));
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
    const inWindow = (created: number) => created >= Math.floor(since.getTime() / 1000);
    expect(again.find((r) => r.stream === 'customers')?.since).toBeUndefined();
    expect(again.find((r) => r.stream === 'payment_intents')).toMatchObject({
      since,
      fetched: gym.stripe.paymentIntents(emulator.clock).filter((i) => inWindow(i.created)).length,
    });
    expect(again.find((r) => r.stream === 'refunds')).toMatchObject({
      since,
      fetched: gym.stripe.refunds(emulator.clock).filter((r) => inWindow(r.created)).length,
    });
    expect(await snapshot()).toEqual(before);
  });

  it('after the clock moves one day, writes exactly that day’s new and changed records', async () => {
    const s = gym.stripe;
    // The busiest day of the last four months, so the day has something new to write.
    const dayAt = (n: number) => new Date(gym.asOf.getTime() - n * DAY);
    const activity = (n: number) =>
      changedIds(expandedIntents(gym, dayAt(n)), expandedIntents(gym, dayAt(n - 1))).length;
    let busiest = 1;
    for (let n = 2; n <= 120; n++) if (activity(n) > activity(busiest)) busiest = n;
    const start = dayAt(busiest);
    const next = dayAt(busiest - 1);

    const { run, rawIds, emulator } = await setup({ clock: start });
    await run();
    emulator.clock = next;
    const results = await run();

    const since = Math.floor((next.getTime() - 9 * DAY) / 1000);
    const windowed = <T extends { id: string; created: number }>(ids: string[], records: T[]) => {
      const created = new Map(records.map((r) => [r.id, r.created]));
      return ids.filter((id) => created.get(id)! >= since).length;
    };
    const written = Object.fromEntries(results.map((r) => [r.stream, r.written]));
    expect(written).toEqual({
      customers: changedIds(s.customers(start), s.customers(next)).length,
      payment_intents: windowed(
        changedIds(expandedIntents(gym, start), expandedIntents(gym, next)),
        s.paymentIntents(next),
      ),
      refunds: windowed(changedIds(s.refunds(start), s.refunds(next)), s.refunds(next)),
    });
    expect(written.payment_intents).toBeGreaterThan(0);
    const expected = expectedIds(gym, next);
    for (const stream of streams) expect(await rawIds(stream), stream).toEqual(expected[stream]);
  });

  it('rides out 429 with Retry-After, 5xx, a dropped connection and a malformed page', async () => {
    const { run, rawIds, emulator, log } = await setup();
    emulator.faults.add(
      { kind: 'status', status: 429, retryAfter: 1, path: '/v1/customers' },
      { kind: 'status', status: 503, path: '/v1/payment_intents' },
      { kind: 'malformed', path: '/v1/payment_intents' },
      { kind: 'drop', path: '/v1/refunds' },
    );
    const results = await run();
    expect(results.map((r) => [r.stream, r.status])).toEqual(streams.map((s) => [s, 'ok']));
    expect(emulator.faults.fired.map((f) => f.kind)).toEqual(['status', 'status', 'malformed', 'drop']);
    // Our retries, not the SDK's: the wait honours Retry-After and shows in the log.
    expect(log).toContainEqual(expect.stringMatching(/^stripe\/customers: retry 1 in 1000 ms after: /));
    expect(log).toContainEqual(expect.stringMatching(/^stripe\/payment_intents: retry 1 in \d+ ms after: /));
    const expected = expectedIds(gym, emulator.clock);
    for (const stream of streams) expect(await rawIds(stream), stream).toEqual(expected[stream]);
  });

  it('loses nothing to a truncated intents page, whose next page starts after the last record received', async () => {
    const { run, rawIds, emulator } = await setup();
    emulator.faults.add({ kind: 'truncate', path: '/v1/payment_intents' });
    const results = await run();
    expect(results.map((r) => [r.stream, r.status])).toEqual(streams.map((s) => [s, 'ok']));
    expect(emulator.faults.fired.map((f) => f.kind)).toEqual(['truncate']);
    expect(await rawIds('payment_intents')).toEqual(expectedIds(gym, emulator.clock).payment_intents);
  });

  it('reports a truncated refunds page as that stream failing, named by the charges it left out', async () => {
    const { run, rawIds, emulator } = await setup();
    emulator.faults.add({ kind: 'truncate', path: '/v1/refunds' });
    const results = await run();
    expect(results.map((r) => [r.stream, r.status])).toEqual([
      ['customers', 'ok'],
      ['payment_intents', 'ok'],
      ['refunds', 'failed'],
    ]);
    // Stripe lists newest first, so the oldest refunds were cut.
    const refunds = [...gym.stripe.refunds(emulator.clock)].sort((a, b) => b.created - a.created);
    const lost = refunds.slice(Math.ceil(refunds.length / 2));
    expect(results[2]?.error).toBe(
      `refunds: ${lost.length} charge(s) show refunds that the refund list did not return (${lost
        .map((r) => r.charge)
        .slice(0, 3)
        .join(', ')})`,
    );

    // The failed window was not marked done: the next run lists every refund again.
    const retried = await run();
    expect(retried.find((r) => r.stream === 'refunds')).toMatchObject({ status: 'ok', since: undefined });
    expect(await rawIds('refunds')).toEqual(expectedIds(gym, emulator.clock).refunds);
  });

  it('takes a refund made while the run reads intents as the next run’s, not as a gap', async () => {
    const intents = gym.stripe.paymentIntents(gym.asOf);
    const refund = [...gym.stripe.refunds(gym.asOf)]
      .filter((r) => {
        const intent = intents.find((i) => i.id === r.payment_intent);
        return intent && r.created - intent.created > 3_600;
      })
      .sort((a, b) => a.created - b.created)
      .at(-1)!;
    const start = new Date((refund.created - 10) * 1000);
    const { run, rawIds, emulator } = await setup({ clock: start });
    // A minute passes while the intents are listed: the charge now counts the new refund, which the
    // refund list, bounded by the run's start, rightly leaves out.
    emulator.faults.add({ kind: 'advance', ms: 60_000, path: '/v1/payment_intents' });
    const results = await run();
    expect(results.map((r) => [r.stream, r.status, r.warnings])).toEqual(streams.map((s) => [s, 'ok', []]));
    expect(await rawIds('refunds')).not.toContain(refund.id);
    // The charge's own refunds were listed once, to tell the new refund from a lost one.
    const byCharge =
      emulator.requestCounts.get('/v1/refunds')! - Math.ceil((await rawIds('refunds')).length / 100);
    expect(byCharge).toBe(1);

    emulator.clock = new Date(start.getTime() + DAY);
    expect((await run()).every((r) => r.status === 'ok')).toBe(true);
    expect(await rawIds('refunds')).toContain(refund.id);
  });

  it('reports customers a truncated page lost, named by the intents that name them', async () => {
    const { run, rawIds, emulator } = await setup();
    const customers = gym.stripe.customers(emulator.clock);
    expect(customers.length).toBeLessThanOrEqual(100);
    emulator.faults.add({ kind: 'truncate', path: '/v1/customers' });
    const results = await run();
    expect(results.map((r) => [r.stream, r.status])).toEqual([
      ['customers', 'failed'],
      ['payment_intents', 'ok'],
      ['refunds', 'ok'],
    ]);
    const stored = new Set(await rawIds('customers'));
    const named = new Set(
      gym.stripe.paymentIntents(emulator.clock).flatMap((i) => (i.customer ? [i.customer] : [])),
    );
    const lost = [...named].filter((id) => !stored.has(id));
    expect(lost.length).toBeGreaterThan(0);
    expect(results[0]?.error).toMatch(
      new RegExp(`^customers: ${lost.length} customer\\(s\\) named by payment intents were not listed \\(`),
    );

    const retried = await run();
    expect(retried[0]).toMatchObject({ status: 'ok' });
    expect(await rawIds('customers')).toEqual(expectedIds(gym, emulator.clock).customers);
  });

  it('reports a stream that keeps failing by name while the others complete', async () => {
    const { run, rawIds, emulator } = await setup({ source: { retry: { retries: 2, minTimeoutMs: 5 } } });
    emulator.faults.add({ kind: 'status', status: 500, path: '/v1/customers', times: 3 });
    const results = await run();
    expect(results.map((r) => [r.stream, r.status])).toEqual([
      ['customers', 'failed'],
      ['payment_intents', 'ok'],
      ['refunds', 'ok'],
    ]);
    expect(results[0]?.error).toBe('customers: Stripe answered 500 (StripeAPIError): injected 500');
    expect(await rawIds('payment_intents')).toEqual(expectedIds(gym, emulator.clock).payment_intents);
  });

  it('rejects an intent whose amount is not in cents, with the reason, and keeps the rest', async () => {
    const broken = gym.stripe.paymentIntents(gym.asOf).at(-1)!;
    const dataset: SandboxDataset = {
      ...gym,
      stripe: {
        ...gym.stripe,
        paymentIntents: (clock) =>
          gym.stripe
            .paymentIntents(clock)
            .map((i) =>
              i.id === broken.id ? ({ ...i, amount_received: '38.00' } as unknown as StripePaymentIntent) : i,
            ),
      },
    };
    const { run, db } = await setup({ dataset });
    const results = await run();
    expect(results.find((r) => r.stream === 'payment_intents')).toMatchObject({
      status: 'ok',
      rejected: 1,
      written: gym.stripe.paymentIntents(gym.asOf).length - 1,
    });
    expect(await db.query('select source, stream, record_id, reason from rejected_records')).toEqual([
      {
        source: 'stripe',
        stream: 'payment_intents',
        record_id: broken.id,
        reason: 'amount_received: Invalid input: expected number, received string',
      },
    ]);
  });

  describe('staging', () => {
    // One intent arrives without a description, as Stripe allows.
    const undescribed = () => gym.stripe.paymentIntents(gym.asOf).find((i) => i.status === 'succeeded')!;
    let opened: Awaited<ReturnType<typeof openStripe>>;
    let result: Awaited<ReturnType<typeof stage>>;
    let dir: string;

    beforeAll(async () => {
      const id = undescribed().id;
      const dataset: SandboxDataset = {
        ...gym,
        stripe: {
          ...gym.stripe,
          paymentIntents: (clock) =>
            gym.stripe.paymentIntents(clock).map((i) => (i.id === id ? { ...i, description: null } : i)),
        },
      };
      dir = await mkdtemp(path.join(os.tmpdir(), 'basin-test-'));
      opened = await openStripe(dir, dataset);
      await opened.run();
      result = await opened.stageAll();
    });

    afterAll(async () => {
      await opened?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('builds every table with every record, every date parsed', () => {
      const s = gym.stripe;
      expect(Object.fromEntries(result.models.map((m) => [m.name, m.rows]))).toEqual({
        stg_stripe__customers: s.customers(gym.asOf).length,
        stg_stripe__payment_intents: s.paymentIntents(gym.asOf).length,
        stg_stripe__refunds: s.refunds(gym.asOf).length,
      });
      expect(result.unparsedDates).toEqual([]);
    });

    it('keeps every intent with its amounts, charge details, gym-local date and membership number', async () => {
      const rows = await opened.db.query('select * from stg_stripe__payment_intents');
      const byId = new Map(rows.map((r) => [String(r.payment_intent_id), r]));
      let previousLocalDay = 0;
      for (const intent of expandedIntents(gym, gym.asOf)) {
        const row = byId.get(intent.id)!;
        const created = new Date(intent.created * 1000);
        const charge = intent.latest_charge as Stripe.Charge;
        expect(row).toMatchObject({
          status: intent.status,
          livemode: intent.livemode,
          amount_cents: BigInt(intent.amount),
          amount_received_cents: BigInt(intent.amount_received),
          amount_received: intent.amount_received / 100,
          created_at: created,
          created_at_raw: String(intent.created),
          stripe_customer_id: intent.customer,
          latest_charge_id: charge.id,
          receipt_email: charge.receipt_email,
          billing_name: charge.billing_details.name,
          billing_email: charge.billing_details.email,
          decline_code: intent.last_payment_error?.decline_code ?? null,
          failure_message: intent.last_payment_error?.message ?? null,
          membership_id: /Capitan membership #(\d+)/.exec(intent.description ?? '')?.[1] ?? null,
        });
        expect(isoDate(row.created_local_date)).toBe(localDate(created, gym.timeZone));
        if (isoDate(row.created_local_date) !== created.toISOString().slice(0, 10)) previousLocalDay++;
      }
      // Evening payments in Chicago are already tomorrow in UTC; they keep the gym's date.
      expect(previousLocalDay).toBeGreaterThan(0);
      expect(byId.get(undescribed().id)?.description).toBeNull();
      const declined = [...byId.values()].filter((r) => r.status === 'requires_payment_method');
      expect(declined.length).toBeGreaterThan(0);
      for (const row of declined)
        expect(row).toMatchObject({ amount_received_cents: 0n, failure_code: expect.any(String) });
      expect([...byId.values()].some((r) => r.livemode === false)).toBe(true);
    });

    it('links each refund to its charge and intent, on its own date', async () => {
      const rows = await opened.db.query('select * from stg_stripe__refunds');
      expect(rows.length).toBeGreaterThan(0);
      const byId = new Map(rows.map((r) => [String(r.refund_id), r]));
      for (const refund of gym.stripe.refunds(gym.asOf)) {
        const created = new Date(refund.created * 1000);
        expect(byId.get(refund.id)).toMatchObject({
          charge_id: refund.charge,
          payment_intent_id: refund.payment_intent,
          amount_cents: BigInt(refund.amount),
          amount: refund.amount / 100,
          status: refund.status,
          created_at: created,
        });
        expect(isoDate(byId.get(refund.id)?.created_local_date)).toBe(localDate(created, gym.timeZone));
      }
    });

    it('keeps each customer’s identity fields as Stripe holds them', async () => {
      const rows = await opened.db.query(
        'select stripe_customer_id, email, name, phone, created_at from stg_stripe__customers order by 1',
      );
      expect(rows).toEqual(
        [...gym.stripe.customers(gym.asOf)]
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((c) => ({
            stripe_customer_id: c.id,
            email: c.email,
            name: c.name,
            phone: c.phone,
            created_at: new Date(c.created * 1000),
          })),
      );
    });
  });
});
