import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { createStripeEmulator } from '../../src/sandbox/emulators/stripe.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import {
  stripeCustomerSchema,
  stripeListSchema,
  stripePaymentIntentSchema,
  stripeRefundSchema,
} from '../../src/sources/stripe/schemas.ts';
import { contractTests, type JsonContract } from './contract.ts';
import * as reference from './fixtures/stripe.ts';
import { shapeDifferences } from './shape.ts';

const gym = generateGym({ size: 'tiny' });
let emulator: HttpEmulator;

async function get(path: string): Promise<unknown> {
  const response = await fetch(`${emulator.url}/v1/${path}`, {
    headers: { authorization: `Bearer ${sandboxCredentials.stripeApiKey}` },
  });
  return response.json();
}

const data = (body: unknown) => stripeListSchema.parse(body).data;

/**
 * The emulator's objects are typed by the SDK at compile time (src/sandbox/emulators/stripe-objects.ts),
 * so every field it sends is one Stripe has; these tests check the values' shapes against the
 * reference's examples and the fetcher's schemas.
 */
const contracts: JsonContract[] = [
  {
    stream: 'customers',
    fixture: reference.customers,
    schema: stripeCustomerSchema,
    records: data,
    answer: () => get('customers?limit=100'),
  },
  {
    stream: 'payment_intents',
    fixture: reference.paymentIntents,
    schema: stripePaymentIntentSchema,
    records: data,
    answer: () => get('payment_intents?limit=100&expand[]=data.latest_charge'),
  },
  {
    stream: 'refunds',
    fixture: reference.refunds,
    schema: stripeRefundSchema,
    records: data,
    answer: () => get('refunds?limit=100'),
  },
];

describe('Stripe contract: the reference, the SDK types, the fetcher and the emulator agree', () => {
  beforeAll(async () => {
    emulator = createStripeEmulator(gym);
    await emulator.listen();
  });
  afterAll(() => emulator.close());
  contractTests(contracts);

  it('answers a declined intent with last_payment_error as Stripe shapes it', async () => {
    const body = data(await get('payment_intents?limit=100'));
    const declined = body.find((p) => (p as { last_payment_error?: unknown }).last_payment_error);
    expect(declined).toBeDefined();
    const error = (declined as unknown as { last_payment_error: Record<string, unknown> }).last_payment_error;
    expect(
      shapeDifferences(
        error,
        { type: 'card_error', code: 'card_declined', decline_code: 'x', doc_url: 'x', message: 'x' },
        { strictKeys: true },
      ),
    ).toEqual([]);
  });
});
