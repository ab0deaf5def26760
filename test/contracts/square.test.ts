import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { createSquareEmulator } from '../../src/sandbox/emulators/square.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import {
  squareCustomerSchema,
  squareLocationSchema,
  squareOrderSchema,
  squarePaymentSchema,
  squareRefundSchema,
} from '../../src/sources/square/schemas.ts';
import { throughSquareSdk } from '../support/square-wire.ts';
import * as reference from './fixtures/square.ts';
import { shapeDifferences } from './shape.ts';

interface Case {
  stream: string;
  /** The SDK's serialiser of the whole response body. */
  type: string;
  fixture: Record<string, unknown>;
  key: string;
  schema: z.ZodType;
  request: (gym: SandboxDataset) => { path: string; body?: unknown };
}

const everything = '2009-01-01T00:00:00Z';

/** Every response the Square fetcher reads, stream by stream. */
const cases: Case[] = [
  {
    stream: 'locations',
    type: 'ListLocationsResponse',
    fixture: reference.listLocations,
    key: 'locations',
    schema: squareLocationSchema,
    request: () => ({ path: '/v2/locations' }),
  },
  {
    stream: 'customers',
    type: 'ListCustomersResponse',
    fixture: reference.listCustomers,
    key: 'customers',
    schema: squareCustomerSchema,
    request: () => ({ path: '/v2/customers?count=true&limit=100' }),
  },
  {
    stream: 'customers (updated since)',
    type: 'SearchCustomersResponse',
    fixture: reference.listCustomers,
    key: 'customers',
    schema: squareCustomerSchema,
    request: () => ({
      path: '/v2/customers/search',
      body: { query: { filter: { updated_at: { start_at: everything } } }, limit: 100, count: true },
    }),
  },
  {
    stream: 'payments',
    type: 'ListPaymentsResponse',
    fixture: reference.listPayments,
    key: 'payments',
    schema: squarePaymentSchema,
    request: () => ({ path: `/v2/payments?begin_time=${everything}&limit=100` }),
  },
  {
    stream: 'orders (search)',
    type: 'SearchOrdersResponse',
    fixture: reference.searchOrders,
    key: 'orders',
    schema: squareOrderSchema,
    request: (gym) => ({
      path: '/v2/orders/search',
      body: {
        location_ids: [gym.square.locations()[0]!.id],
        query: {
          filter: {
            state_filter: { states: ['COMPLETED'] },
            date_time_filter: { closed_at: { start_at: everything } },
          },
          sort: { sort_field: 'CLOSED_AT', sort_order: 'ASC' },
        },
        limit: 1000,
      },
    }),
  },
  {
    stream: 'orders (by id)',
    type: 'BatchGetOrdersResponse',
    fixture: reference.batchRetrieveOrders,
    key: 'orders',
    schema: squareOrderSchema,
    request: (gym) => ({
      path: '/v2/orders/batch-retrieve',
      body: {
        order_ids: gym.square
          .orders(gym.asOf)
          .slice(0, 100)
          .map((o) => o.id),
      },
    }),
  },
  {
    stream: 'refunds',
    type: 'ListPaymentRefundsResponse',
    fixture: reference.listRefunds,
    key: 'refunds',
    schema: squareRefundSchema,
    request: () => ({ path: `/v2/refunds?begin_time=${everything}&limit=100` }),
  },
  {
    stream: 'refunds (one by id)',
    type: 'GetPaymentRefundResponse',
    fixture: reference.getRefund,
    key: 'refund',
    schema: squareRefundSchema,
    request: (gym) => ({ path: `/v2/refunds/${gym.square.refunds(gym.asOf)[0]!.id}` }),
  },
];

const records = (body: Record<string, unknown>, key: string): unknown[] => {
  const value = body[key];
  return Array.isArray(value) ? value : [value];
};

describe('Square contract: the reference, the SDK, the fetcher and the emulator agree', () => {
  let gym: SandboxDataset;
  let emulator: HttpEmulator;

  beforeAll(async () => {
    gym = generateGym({ size: 'tiny' });
    emulator = createSquareEmulator(gym);
    await emulator.listen();
  });
  afterAll(() => emulator.close());

  async function call(
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${emulator.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${sandboxCredentials.squareAccessToken}`,
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  for (const c of cases) {
    it(`${c.stream}: the reference's example passes the SDK's deserialisation and the fetcher's schema`, () => {
      const { errors, roundTrip } = throughSquareSdk(c.type, c.fixture);
      expect(errors).toEqual([]);
      expect(roundTrip).toEqual(JSON.parse(JSON.stringify(c.fixture)));
      for (const record of records(c.fixture, c.key))
        expect(c.schema.safeParse(record).error).toBeUndefined();
    });

    it(`${c.stream}: the emulator's answer passes the SDK's deserialisation unchanged, in the reference's shape`, async () => {
      const { path, body } = c.request(gym);
      const response = await call(path, body);
      expect(response.status).toBe(200);
      const { errors, roundTrip } = throughSquareSdk(c.type, response.json);
      expect(errors).toEqual([]);
      expect(roundTrip).toEqual(response.json);
      const answered = records(response.json, c.key);
      expect(answered.length).toBeGreaterThan(0);
      const example = records(c.fixture, c.key);
      for (const record of answered) expect(c.schema.safeParse(record).error).toBeUndefined();
      expect(shapeDifferences(answered, example, { strictKeys: false })).toEqual([]);
    });
  }

  it("answers errors in Square's error shape, which the SDK reads", async () => {
    const response = await call('/v2/refunds/no-such-refund');
    expect(response.status).toBe(404);
    expect(throughSquareSdk('GetPaymentRefundResponse', response.json).errors).toEqual([]);
    expect(shapeDifferences(response.json, reference.notFound, { strictKeys: true })).toEqual([]);
  });
});
