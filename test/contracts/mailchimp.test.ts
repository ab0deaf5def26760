import { afterAll, beforeAll, describe } from 'vitest';
import { z } from 'zod';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { createMailchimpEmulator } from '../../src/sandbox/emulators/mailchimp.ts';
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

async function get(path: string): Promise<unknown> {
  const basic = Buffer.from(`basin:${sandboxCredentials.mailchimpApiKey}`).toString('base64');
  const response = await fetch(`${emulator.url}/3.0/${path}`, {
    headers: { authorization: `Basic ${basic}` },
  });
  return response.json();
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
