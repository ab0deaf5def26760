import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sandboxCredentials } from '../../../src/sandbox/credentials.ts';
import type { SandboxDataset } from '../../../src/sandbox/dataset.ts';
import type { HttpEmulator } from '../../../src/sandbox/emulators/http-emulator.ts';
import { createStripeEmulator } from '../../../src/sandbox/emulators/stripe.ts';
import {
  chargeObject,
  customerObject,
  paymentIntentObject,
  refundObject,
} from '../../../src/sandbox/emulators/stripe-objects.ts';
import { generateGym } from '../../../src/sandbox/generate.ts';

const DAY_MS = 86_400_000;

function connect(
  url: string,
  config: Stripe.StripeConfig = {},
  key: string = sandboxCredentials.stripeApiKey,
) {
  const { hostname, port } = new URL(url);
  return new Stripe(key, {
    host: hostname,
    port: Number(port),
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: 0,
    ...config,
  });
}

/** Every record of a Stripe list, through the SDK's auto-pagination. */
async function all<T>(list: AsyncIterable<T>): Promise<T[]> {
  const records: T[] = [];
  for await (const record of list) records.push(record);
  return records;
}

const unix = (date: Date) => Math.floor(date.getTime() / 1000);
const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();

/** A day before `asOf` on which `count` grows, so that advancing the clock over it shows something. */
function busyDayBefore(asOf: Date, count: (clock: Date) => number): Date {
  for (let back = 1; back < 60; back++) {
    const start = new Date(asOf.getTime() - back * DAY_MS);
    if (count(new Date(start.getTime() + DAY_MS)) > count(start)) return start;
  }
  throw new Error('no day with new records in the last 60 days');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('Stripe emulator over the tiny gym, through the official SDK', () => {
  let dataset: SandboxDataset;
  let emulator: HttpEmulator;
  let url: string;
  let stripe: Stripe;

  beforeAll(async () => {
    dataset = generateGym({ size: 'tiny' });
    emulator = createStripeEmulator(dataset);
    url = await emulator.listen();
    stripe = connect(url);
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.clock = dataset.asOf;
    emulator.faults.clear();
  });

  it('pages every payment intent newest first, each with its latest charge expanded', async () => {
    const before = emulator.requestCounts.get('/v1/payment_intents') ?? 0;
    const listed = await all(stripe.paymentIntents.list({ limit: 100, expand: ['data.latest_charge'] }));
    const expected = dataset.stripe.paymentIntents(dataset.asOf);

    expect(expected.length).toBeGreaterThan(100);
    expect(listed).toHaveLength(expected.length);
    expect(ids(listed)).toEqual(ids(expected));
    expect(emulator.requestCounts.get('/v1/payment_intents')! - before).toBe(
      Math.ceil(expected.length / 100),
    );
    for (let i = 1; i < listed.length; i++)
      expect(listed[i]!.created).toBeLessThanOrEqual(listed[i - 1]!.created);

    const charges = new Map(dataset.stripe.charges(dataset.asOf).map((c) => [c.id, c]));
    const byId = new Map(expected.map((p) => [p.id, p]));
    for (const intent of listed) {
      const truth = byId.get(intent.id)!;
      expect({ ...intent, latest_charge: truth.latest_charge }).toEqual(paymentIntentObject(truth));
      if (truth.latest_charge)
        expect(intent.latest_charge).toEqual(chargeObject(charges.get(truth.latest_charge)!));
    }
    const received = (records: { amount_received: number }[]) =>
      records.reduce((s, r) => s + r.amount_received, 0);
    expect(received(listed)).toBe(received(expected));
  });

  it('pages charges, refunds and customers completely and unchanged', async () => {
    const clock = dataset.asOf;
    const cases = [
      [await all(stripe.charges.list({ limit: 100 })), dataset.stripe.charges(clock).map(chargeObject)],
      [await all(stripe.refunds.list({ limit: 100 })), dataset.stripe.refunds(clock).map(refundObject)],
      [await all(stripe.customers.list({ limit: 37 })), dataset.stripe.customers(clock).map(customerObject)],
    ] as const;
    for (const [listed, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      const sortById = <T extends { id: string }>(records: readonly T[]) =>
        [...records].sort((a, b) => a.id.localeCompare(b.id));
      expect(sortById<{ id: string }>(listed)).toEqual(sortById<{ id: string }>(expected));
    }
  });

  it('filters on created with gte/lte inclusive and gt/lt exclusive', async () => {
    const intents = dataset.stripe.paymentIntents(dataset.asOf);
    const sorted = intents.map((p) => p.created).sort((a, b) => a - b);
    const from = sorted[Math.floor(sorted.length / 3)]!;
    const to = sorted[Math.floor((2 * sorted.length) / 3)]!;
    const between = (low: number, high: number) =>
      intents.filter((p) => p.created >= low && p.created <= high);

    const inclusive = await all(stripe.paymentIntents.list({ created: { gte: from, lte: to } }));
    expect(ids(inclusive)).toEqual(ids(between(from, to)));
    const exclusive = await all(stripe.paymentIntents.list({ created: { gt: from, lt: to } }));
    expect(ids(exclusive)).toEqual(ids(between(from + 1, to - 1)));
    expect(inclusive.length).toBeGreaterThan(exclusive.length);
  });

  it('shows exactly the next day of records when the clock advances one day', async () => {
    const day = busyDayBefore(dataset.asOf, (clock) => dataset.stripe.paymentIntents(clock).length);
    emulator.clock = day;
    const atStart = await all(stripe.paymentIntents.list({ limit: 100 }));
    expect(ids(atStart)).toEqual(ids(dataset.stripe.paymentIntents(day)));

    const next = new Date(day.getTime() + DAY_MS);
    const response = await fetch(`${url}/__sandbox/clock`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clock: next.toISOString() }),
    });
    expect(response.status).toBe(200);

    const known = new Set(atStart.map((p) => p.id));
    const appeared = dataset.stripe.paymentIntents(next).filter((p) => !known.has(p.id));
    expect(appeared.length).toBeGreaterThan(0);
    const newSince = await all(stripe.paymentIntents.list({ created: { gt: unix(day) } }));
    expect(ids(newSince)).toEqual(ids(appeared));
    const everything = await all(stripe.paymentIntents.list({ limit: 100 }));
    expect(everything).toHaveLength(atStart.length + appeared.length);
  });

  it('pages backwards from the oldest record with ending_before', async () => {
    const intents = dataset.stripe.paymentIntents(dataset.asOf);
    const earliest = await stripe.paymentIntents.list({
      created: { lte: Math.min(...intents.map((p) => p.created)) },
    });
    const oldest = earliest.data.at(-1);
    expect(oldest).toBeDefined();
    const newer = await all(stripe.paymentIntents.list({ ending_before: oldest!.id, limit: 50 }));
    expect(newer).toHaveLength(intents.length - 1);
    expect(ids(newer)).toEqual(ids(intents.filter((p) => p.id !== oldest!.id)));
    // The SDK walks backwards, so the records come oldest first.
    for (let i = 1; i < newer.length; i++)
      expect(newer[i]!.created).toBeGreaterThanOrEqual(newer[i - 1]!.created);
  });

  it('retrieves one record with its charge expanded, and answers an unknown id with resource_missing', async () => {
    const truth = dataset.stripe.paymentIntents(dataset.asOf).find((p) => p.latest_charge)!;
    const intent = await stripe.paymentIntents.retrieve(truth.id, { expand: ['latest_charge'] });
    expect((intent.latest_charge as Stripe.Charge).id).toBe(truth.latest_charge);
    expect(intent.amount).toBe(truth.amount);

    const error = await rejection(stripe.paymentIntents.retrieve('pi_doesnotexist'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' });
  });

  it('hides a record created after the clock until the clock reaches it', async () => {
    const day = busyDayBefore(dataset.asOf, (clock) => dataset.stripe.paymentIntents(clock).length);
    const next = new Date(day.getTime() + DAY_MS);
    const known = new Set(dataset.stripe.paymentIntents(day).map((p) => p.id));
    const later = dataset.stripe.paymentIntents(next).find((p) => !known.has(p.id))!;

    emulator.clock = day;
    const error = await rejection(stripe.paymentIntents.retrieve(later.id));
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    emulator.clock = next;
    expect((await stripe.paymentIntents.retrieve(later.id)).id).toBe(later.id);
  });

  it('rejects bad parameters with invalid_request_error naming the parameter', async () => {
    const cases: [Promise<unknown>, string][] = [
      [stripe.paymentIntents.list({ limit: 0 }), 'limit'],
      [stripe.paymentIntents.list({ limit: 101 }), 'limit'],
      [stripe.paymentIntents.list({ starting_after: 'pi_doesnotexist' }), 'starting_after'],
      [stripe.paymentIntents.list({ starting_after: 'pi_a', ending_before: 'pi_b' }), 'ending_before'],
      [stripe.paymentIntents.list({ colour: 'blue' } as Stripe.PaymentIntentListParams), 'colour'],
    ];
    for (const [call, param] of cases) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, param });
    }
    const unexpandable = await rejection(stripe.refunds.list({ expand: ['data.latest_charge'] }));
    expect(unexpandable).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
  });

  it('rejects a wrong key with StripeAuthenticationError, masking the key like Stripe', async () => {
    const wrongKey = 'sk_live_wrongwrongwrongwrong1234';
    const error = await rejection(connect(url, {}, wrongKey).customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error).toMatchObject({ statusCode: 401 });
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid API Key provided: sk_live_\*+1234$/);
    expect(message).not.toContain('wrongwrong');

    const missing = await fetch(`${url}/v1/customers`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('accepts the key as the Basic-auth user name, and answers request-id headers', async () => {
    const basic = Buffer.from(`${sandboxCredentials.stripeApiKey}:`).toString('base64');
    const response = await fetch(`${url}/v1/customers?limit=2`, {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(await response.json()).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
  });

  it('answers unknown paths with 404 in Stripe error shape', async () => {
    const response = await fetch(`${url}/v1/subscriptions`, {
      headers: { authorization: `Bearer ${sandboxCredentials.stripeApiKey}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: expect.stringContaining('Unrecognized request URL') },
    });
  });

  describe('faults, as the SDK meets them', () => {
    it.each([500, 503] as const)(
      'a %i is retried by a client with maxNetworkRetries and fails one without',
      async (status) => {
        emulator.faults.add({ kind: 'status', status, path: '/v1/customers' });
        const retrying = connect(url, { maxNetworkRetries: 2 });
        const page = await retrying.customers.list({ limit: 5 });
        expect(page.data).toHaveLength(5);
        expect(emulator.faults.fired.at(-1)).toMatchObject({ kind: 'status', status });

        emulator.faults.add({ kind: 'status', status, path: '/v1/customers' });
        const error = await rejection(stripe.customers.list({ limit: 5 }));
        expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
        expect(error).toMatchObject({ statusCode: status });
      },
    );

    it('a 429 reaches the caller as StripeRateLimitError with its Retry-After (Stripe does not retry it)', async () => {
      const fired = emulator.faults.fired.length;
      emulator.faults.add({ kind: 'status', status: 429, retryAfter: 7, path: '/v1/refunds' });
      const error = await rejection(connect(url, { maxNetworkRetries: 2 }).refunds.list());
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(error).toMatchObject({ statusCode: 429 });
      expect((error as Stripe.errors.StripeError).headers?.['retry-after']).toBe('7');
      expect(emulator.faults.fired.length - fired).toBe(1);
    });

    it('one dropped connection is retried even without retries; two are a StripeConnectionError', async () => {
      emulator.faults.add({ kind: 'drop', path: '/v1/charges' });
      expect((await stripe.charges.list({ limit: 3 })).data).toHaveLength(3);

      emulator.faults.add({ kind: 'drop', path: '/v1/charges', times: 2 });
      const error = await rejection(stripe.charges.list({ limit: 3 }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);

      emulator.faults.add({ kind: 'drop', path: '/v1/charges', times: 2 });
      expect((await connect(url, { maxNetworkRetries: 2 }).charges.list({ limit: 3 })).data).toHaveLength(3);
    });

    it('a malformed body is a StripeAPIError about invalid JSON', async () => {
      emulator.faults.add({ kind: 'malformed', path: '/v1/payment_intents' });
      const error = await rejection(stripe.paymentIntents.list());
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect((error as Error).message).toContain('Invalid JSON');
    });

    it('a truncated page costs nothing to auto-pagination: the next page starts after the last record received', async () => {
      emulator.faults.add({ kind: 'truncate', path: '/v1/payment_intents' });
      const listed = await all(stripe.paymentIntents.list({ limit: 100 }));
      expect(ids(listed)).toEqual(ids(dataset.stripe.paymentIntents(dataset.asOf)));
      expect(emulator.faults.fired.at(-1)).toMatchObject({ kind: 'truncate' });
    });
  });
});

describe('Stripe emulator over the demo gym', () => {
  let dataset: SandboxDataset;
  let emulator: HttpEmulator;
  let stripe: Stripe;

  beforeAll(async () => {
    dataset = generateGym({ size: 'demo' });
    emulator = createStripeEmulator(dataset);
    stripe = connect(await emulator.listen());
  });
  afterAll(() => emulator.close());

  it('pages every payment intent with its charge, every refund and every customer', async () => {
    const clock = dataset.asOf;
    const intents = await all(stripe.paymentIntents.list({ limit: 100, expand: ['data.latest_charge'] }));
    const expected = dataset.stripe.paymentIntents(clock);
    expect(expected.length).toBeGreaterThan(10_000);
    expect(ids(intents)).toEqual(ids(expected));
    const charges = new Map(dataset.stripe.charges(clock).map((c) => [c.id, c]));
    const chargeOf = new Map(expected.map((p) => [p.id, p.latest_charge]));
    for (const intent of intents) {
      const chargeId = chargeOf.get(intent.id);
      expect(intent.latest_charge).toEqual(chargeId ? chargeObject(charges.get(chargeId)!) : null);
    }

    const refunds = await all(stripe.refunds.list({ limit: 100 }));
    expect(ids(refunds)).toEqual(ids(dataset.stripe.refunds(clock)));
    const customers = await all(stripe.customers.list({ limit: 100 }));
    expect(ids(customers)).toEqual(ids(dataset.stripe.customers(clock)));
  });
});
