import { afterAll, beforeAll, describe } from 'vitest';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import { createCapitanEmulator } from '../../src/sandbox/emulators/capitan.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import {
  associationMemberSchema,
  associationSchema,
  checkinSchema,
  customerMembershipSchema,
  customerSchema,
  drfPageSchema,
  eventSchema,
  relationSchema,
} from '../../src/sources/capitan/schemas.ts';
import { contractTests, type JsonContract } from './contract.ts';
import * as reference from './fixtures/capitan.ts';

const gym = generateGym({ size: 'tiny' });
let emulator: HttpEmulator;

async function get(path: string): Promise<unknown> {
  const response = await fetch(`${emulator.url}/api/${path}`, {
    headers: { authorization: `Token ${sandboxCredentials.capitanApiToken}` },
  });
  return response.json();
}

const results = (body: unknown) => drfPageSchema.parse(body).results;
const withRelations = () =>
  gym.capitan.customers(gym.asOf).find((c) => gym.capitan.relations(c.id, gym.asOf).length > 0)!.id;

const contracts: JsonContract[] = [
  {
    stream: 'customers',
    fixture: reference.customers,
    schema: customerSchema,
    records: results,
    answer: () => get('customers/?page_size=100'),
  },
  {
    stream: 'customer_memberships',
    fixture: reference.customerMemberships,
    schema: customerMembershipSchema,
    records: results,
    answer: () => get('customer-memberships/?page_size=100'),
  },
  {
    stream: 'checkins',
    fixture: reference.checkins,
    schema: checkinSchema,
    records: results,
    answer: () => get('check-ins/?page_size=100'),
  },
  {
    stream: 'associations',
    fixture: reference.associations,
    schema: associationSchema,
    records: results,
    answer: () => get('associations/?page_size=100'),
  },
  {
    stream: 'association_members',
    fixture: reference.associationMembers,
    schema: associationMemberSchema,
    records: results,
    answer: () => get('association-members/?page_size=100'),
  },
  {
    stream: 'events',
    fixture: reference.events,
    schema: eventSchema,
    records: results,
    answer: () => get('events/?page_size=100'),
  },
  {
    stream: 'relations',
    fixture: reference.relations,
    schema: relationSchema,
    records: results,
    answer: () => get(`customers/${withRelations()}/relations/`),
  },
];

describe('Capitan contract: the reference, the fetcher and the emulator agree', () => {
  beforeAll(async () => {
    emulator = createCapitanEmulator(gym, { requestsPerSecond: 100_000 });
    await emulator.listen();
  });
  afterAll(() => emulator.close());
  contractTests(contracts);
});
