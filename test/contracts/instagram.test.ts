import { afterAll, beforeAll, describe } from 'vitest';
import { z } from 'zod';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { createInstagramEmulator } from '../../src/sandbox/emulators/instagram.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import {
  accountSchema,
  insightsResponseSchema,
  mediaPageSchema,
  mediaSchema,
} from '../../src/sources/instagram/schemas.ts';
import { contractTests, type JsonContract } from './contract.ts';
import * as reference from './fixtures/instagram.ts';

const gym = generateGym({ size: 'tiny' });
const accountId = gym.instagram.account(gym.asOf).id;
const FIELDS =
  'id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,like_count,comments_count,username,media_product_type,owner';
let emulator: HttpEmulator;

async function get(path: string, query: string): Promise<unknown> {
  const response = await fetch(
    `${emulator.url}/v25.0/${path}?${query}&access_token=${sandboxCredentials.instagramAccessToken}`,
  );
  return response.json();
}

const itself = (body: unknown) => [body];
const graphError = z.looseObject({
  error: z.looseObject({
    message: z.string(),
    type: z.string(),
    code: z.number(),
    is_transient: z.boolean(),
    fbtrace_id: z.string(),
  }),
});

const contracts: JsonContract[] = [
  {
    stream: 'account',
    fixture: reference.account,
    schema: accountSchema,
    records: itself,
    answer: () => get(accountId, 'fields=username,followers_count,media_count'),
  },
  {
    stream: 'media',
    fixture: reference.media,
    schema: mediaSchema,
    records: (body) => mediaPageSchema.parse(body).data,
    answer: () => get(`${accountId}/media`, `fields=${FIELDS}&limit=100`),
  },
  {
    stream: 'insights',
    fixture: reference.insights,
    schema: insightsResponseSchema,
    records: itself,
    answer: () => get(`${gym.instagram.media(gym.asOf)[0]!.id}/insights`, 'metric=reach,saved'),
  },
  {
    stream: 'errors',
    fixture: reference.error,
    schema: graphError,
    records: itself,
    answer: () => get('nope', 'fields=id'),
  },
];

describe('Instagram Graph contract: the reference, the fetcher and the emulator agree', () => {
  beforeAll(async () => {
    emulator = createInstagramEmulator(gym);
    await emulator.listen();
  });
  afterAll(() => emulator.close());
  contractTests(contracts);
});
