import { afterAll, beforeAll, describe } from 'vitest';
import { z } from 'zod';
import { mergeFieldSchema } from '../../src/audiences/merge-fields.ts';
import { batchSchema, operationResultSchema, readResults } from '../../src/audiences/sync.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { createMailchimpEmulator, subscriberHash } from '../../src/sandbox/emulators/mailchimp.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import {
  campaignSchema,
  contentResponseSchema,
  emailActivitySchema,
  memberSchema,
  reportSchema,
} from '../../src/sources/mailchimp/schemas.ts';
import { contractTests, type JsonContract } from './contract.ts';
import * as reference from './fixtures/mailchimp.ts';

const gym = generateGym({ size: 'tiny' });
let emulator: HttpEmulator;

async function get(path: string, init: RequestInit = {}): Promise<unknown> {
  const basic = Buffer.from(`basin:${sandboxCredentials.mailchimpApiKey}`).toString('base64');
  const response = await fetch(`${emulator.url}/3.0/${path}`, {
    ...init,
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
  });
  return response.json();
}

const listId = sandboxCredentials.mailchimpAudienceId;
/** A list member with a tag, and one batch of a tag change for them and one for an unknown member. */
const tagged = () => gym.mailchimp.members(listId, gym.asOf).find((m) => m.tags.length > 0)!;
let started: Promise<unknown> | undefined;
const startBatch = () => {
  started ??= get('batches', {
    method: 'POST',
    body: JSON.stringify({
      operations: [tagged().email_address, 'nobody@example.com'].map((email) => ({
        method: 'POST',
        path: `/lists/${listId}/members/${subscriberHash(email)}/tags`,
        body: JSON.stringify({ tags: [{ name: 'lapsed_member', status: 'active' }] }),
        operation_id: subscriberHash(email),
      })),
    }),
  });
  return started;
};
async function finishedBatch(): Promise<unknown> {
  const { id } = batchSchema.parse(await startBatch());
  for (;;) {
    const body = batchSchema.parse(await get(`batches/${id}`));
    if (body.status === 'finished') return body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const list = (key: string) => (body: unknown) =>
  z.looseObject({ [key]: z.array(z.unknown()) }).parse(body)[key] as unknown[];
const itself = (body: unknown) => [body];
/** A campaign some recipients opened, so its activity is not empty. */
const campaign = () =>
  gym.mailchimp
    .campaigns(gym.asOf)
    .find((c) => gym.mailchimp.emailActivity(c.id, gym.asOf).some((r) => r.activity.length > 0))!.id;

const contracts: JsonContract[] = [
  {
    stream: 'campaigns',
    fixture: reference.campaigns,
    schema: campaignSchema,
    records: list('campaigns'),
    answer: () => get('campaigns?status=sent&count=1000'),
  },
  {
    stream: 'campaign_content',
    fixture: reference.content,
    schema: contentResponseSchema,
    records: itself,
    answer: () => get(`campaigns/${campaign()}/content`),
  },
  {
    stream: 'reports',
    fixture: reference.report,
    schema: reportSchema,
    records: itself,
    answer: () => get(`reports/${campaign()}`),
  },
  {
    stream: 'email_activity',
    fixture: reference.emailActivity,
    schema: emailActivitySchema,
    records: list('emails'),
    answer: () => get(`reports/${campaign()}/email-activity?count=1000`),
  },
  {
    stream: 'members',
    fixture: reference.members,
    schema: memberSchema,
    records: list('members'),
    answer: () => get(`lists/${sandboxCredentials.mailchimpAudienceId}/members?count=1000`),
  },
  {
    stream: 'member tags',
    fixture: reference.memberTags,
    schema: z.looseObject({ id: z.number(), name: z.string(), date_added: z.string() }),
    records: list('tags'),
    answer: () => get(`lists/${listId}/members/${subscriberHash(tagged().email_address)}/tags`),
  },
  {
    stream: 'batch started',
    fixture: reference.batch,
    schema: batchSchema,
    records: itself,
    answer: startBatch,
  },
  {
    stream: 'batch finished',
    fixture: reference.finishedBatch,
    schema: batchSchema,
    records: itself,
    answer: finishedBatch,
  },
  {
    stream: 'batch results',
    fixture: reference.batchResults,
    schema: operationResultSchema,
    records: (body) => body as unknown[],
    answer: async () => readResults(batchSchema.parse(await finishedBatch()).response_body_url),
  },
  {
    stream: 'merge fields',
    fixture: reference.mergeFields,
    schema: mergeFieldSchema,
    records: list('merge_fields'),
    answer: () => get(`lists/${listId}/merge-fields?count=1000`),
  },
  {
    stream: 'merge field added',
    fixture: reference.mergeField,
    schema: mergeFieldSchema,
    records: itself,
    answer: () =>
      get(`lists/${listId}/merge-fields`, {
        method: 'POST',
        body: JSON.stringify({ tag: 'VISITS30', name: 'VISITS30', type: 'number' }),
      }),
  },
  {
    stream: 'member updated',
    fixture: reference.members.members[0],
    schema: memberSchema,
    records: itself,
    answer: () =>
      get(`lists/${listId}/members/${subscriberHash(tagged().email_address)}`, {
        method: 'PATCH',
        body: JSON.stringify({ merge_fields: { FNAME: 'Rowan' } }),
      }),
  },
  {
    stream: 'errors',
    fixture: reference.notFound,
    schema: z.looseObject({ title: z.string(), status: z.number() }),
    records: itself,
    answer: () => get('campaigns/nope'),
  },
];

describe('Mailchimp contract: the reference, the fetcher and the emulator agree', () => {
  beforeAll(async () => {
    emulator = createMailchimpEmulator(gym);
    await emulator.listen();
  });
  afterAll(() => emulator.close());
  contractTests(contracts);
});
