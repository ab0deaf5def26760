import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sandboxCredentials } from '../../../src/sandbox/credentials.ts';
import type {
  MailchimpCampaign,
  MailchimpEmailActivity,
  MailchimpMember,
  SandboxDataset,
} from '../../../src/sandbox/dataset.ts';
import type { HttpEmulator } from '../../../src/sandbox/emulators/http-emulator.ts';
import { createMailchimpEmulator } from '../../../src/sandbox/emulators/mailchimp.ts';
import { generateGym } from '../../../src/sandbox/generate.ts';

type Opts = Record<string, unknown>;
/** The slice of the official SDK (it ships no types) that these tests drive. */
interface MailchimpSdk {
  setConfig(config: { apiKey: string; server: string }): void;
  basePath: string;
  campaigns: {
    list(opts?: Opts): Promise<{ campaigns: MailchimpCampaign[]; total_items: number }>;
    get(id: string): Promise<MailchimpCampaign>;
    getContent(id: string): Promise<{ html: string; plain_text: string }>;
  };
  reports: {
    getCampaignReport(id: string): Promise<unknown>;
    getEmailActivityForCampaign(
      id: string,
      opts?: Opts,
    ): Promise<{ emails: MailchimpEmailActivity[]; campaign_id: string; total_items: number }>;
  };
  lists: {
    getAllLists(opts?: Opts): Promise<{ lists: { id: string }[]; total_items: number }>;
    getListMembersInfo(
      id: string,
      opts?: Opts,
    ): Promise<{ members: MailchimpMember[]; list_id: string; total_items: number }>;
  };
}
interface SdkError {
  status: number;
  response: { body: { type: string; title: string; status: number; detail: string; instance: string } };
}

const mailchimp = createRequire(import.meta.url)('@mailchimp/mailchimp_marketing') as MailchimpSdk;
const DAY = 86_400_000;

/** Offset/count paging until `total_items` is reached, as the fetcher does. */
async function pageAll<T>(
  fetchPage: (offset: number) => Promise<{ total_items: number; items: T[] }>,
): Promise<{ items: T[]; total: number }> {
  const items: T[] = [];
  let total = Number.POSITIVE_INFINITY;
  while (items.length < total) {
    const page = await fetchPage(items.length);
    total = page.total_items;
    if (page.items.length === 0) break;
    items.push(...page.items);
  }
  return { items, total };
}

async function sdkError(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

describe('Mailchimp emulator over the tiny gym, through the official SDK', () => {
  let dataset: SandboxDataset;
  let emulator: HttpEmulator;
  let url: string;

  beforeAll(async () => {
    dataset = await generateGym({ size: 'tiny' });
    emulator = createMailchimpEmulator(dataset);
    url = await emulator.listen();
    expect(url).not.toContain('server');
  });
  beforeEach(() => {
    mailchimp.setConfig({ apiKey: sandboxCredentials.mailchimpApiKey, server: 'us9' });
    mailchimp.basePath = `${url}/3.0`;
    emulator.clock = dataset.asOf;
  });
  afterAll(() => emulator.close());

  const allCampaigns = async (opts: Opts = {}) =>
    pageAll(async (offset) => {
      const page = await mailchimp.campaigns.list({ ...opts, count: 7, offset });
      return { total_items: page.total_items, items: page.campaigns };
    });
  const allActivity = async (id: string, opts: Opts = {}) =>
    pageAll(async (offset) => {
      const page = await mailchimp.reports.getEmailActivityForCampaign(id, { ...opts, count: 250, offset });
      expect(page.campaign_id).toBe(id);
      return { total_items: page.total_items, items: page.emails };
    });

  it('pages through every campaign with its content and report', async () => {
    const expected = dataset.mailchimp.campaigns(dataset.asOf);
    expect(expected.length).toBeGreaterThan(7);
    const { items, total } = await allCampaigns({ status: 'sent' });
    expect(total).toBe(expected.length);
    expect(items).toEqual(expected);

    for (const campaign of items) {
      expect(await mailchimp.campaigns.get(campaign.id)).toEqual(campaign);
      expect(await mailchimp.campaigns.getContent(campaign.id)).toEqual(
        dataset.mailchimp.content(campaign.id),
      );
      expect(await mailchimp.reports.getCampaignReport(campaign.id)).toEqual(
        dataset.mailchimp.report(campaign.id, dataset.asOf),
      );
    }
  });

  it('sorts and filters campaigns by send time', async () => {
    const expected = dataset.mailchimp.campaigns(dataset.asOf);
    const sorted = await mailchimp.campaigns.list({ count: 1000, sort_field: 'send_time', sort_dir: 'DESC' });
    const times = sorted.campaigns.map((c) => Date.parse(c.send_time));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const middle = [...expected].sort((a, b) => Date.parse(a.send_time) - Date.parse(b.send_time))[
      Math.floor(expected.length / 2)
    ]!;
    const since = await mailchimp.campaigns.list({ count: 1000, since_send_time: middle.send_time });
    expect(since.total_items).toBe(
      expected.filter((c) => Date.parse(c.send_time) >= Date.parse(middle.send_time)).length,
    );
    expect(since.campaigns.map((c) => c.id)).toContain(middle.id);
  });

  it('pages through every campaign’s email activity', async () => {
    let recipients = 0;
    for (const campaign of dataset.mailchimp.campaigns(dataset.asOf)) {
      const expected = dataset.mailchimp.emailActivity(campaign.id, dataset.asOf);
      const { items, total } = await allActivity(campaign.id);
      expect(total).toBe(expected.length);
      expect(items).toEqual(expected);
      recipients += items.length;
    }
    expect(recipients).toBeGreaterThan(250);
  });

  it('pages through the audience’s members, honouring fields', async () => {
    const lists = await mailchimp.lists.getAllLists();
    expect(lists.lists.map((l) => l.id)).toContain(sandboxCredentials.mailchimpAudienceId);
    const expected = dataset.mailchimp.members(sandboxCredentials.mailchimpAudienceId, dataset.asOf);
    const { items, total } = await pageAll(async (offset) => {
      const page = await mailchimp.lists.getListMembersInfo(sandboxCredentials.mailchimpAudienceId, {
        count: 1000,
        offset,
      });
      expect(page.list_id).toBe(sandboxCredentials.mailchimpAudienceId);
      return { total_items: page.total_items, items: page.members };
    });
    expect(total).toBe(expected.length);
    expect(items).toEqual(expected);

    const projected = await mailchimp.lists.getListMembersInfo(sandboxCredentials.mailchimpAudienceId, {
      count: 3,
      fields: ['members.id', 'members.email_address', 'total_items'],
    });
    expect(projected).toEqual({
      members: expected.slice(0, 3).map((m) => ({ id: m.id, email_address: m.email_address })),
      total_items: expected.length,
    });
  });

  it('shows exactly each new day of campaigns and activity as the clock advances one day at a time', async () => {
    const activityCounts = async (campaigns: MailchimpCampaign[], opts: Opts = {}) => {
      const counts = new Map<string, number>();
      for (const c of campaigns) counts.set(c.id, countActivity((await allActivity(c.id, opts)).items));
      return counts;
    };
    let clock = dataset.asOf;
    let campaigns = (await allCampaigns()).items;
    let activity = await activityCounts(campaigns);
    let addedCampaigns = 0;
    let addedActivity = 0;
    // Campaigns go out every few days, so walk day by day until both kinds of record have appeared.
    while (
      (addedCampaigns === 0 || addedActivity === 0) &&
      clock.getTime() + DAY <= dataset.horizon.getTime()
    ) {
      const next = new Date(clock.getTime() + DAY);
      emulator.clock = next;
      const nextCampaigns = (await allCampaigns()).items;
      const added = nextCampaigns.filter((c) => !campaigns.some((o) => o.id === c.id));
      const expectedAdded = dataset.mailchimp
        .campaigns(next)
        .filter((c) => !dataset.mailchimp.campaigns(clock).some((o) => o.id === c.id));
      expect(added).toEqual(expectedAdded);

      // What happened during the day on earlier campaigns is exactly what `since=<old clock>` returns.
      const nextActivity = await activityCounts(campaigns);
      const since = await activityCounts(campaigns, { since: clock.toISOString() });
      for (const c of campaigns) expect(nextActivity.get(c.id)! - activity.get(c.id)!).toBe(since.get(c.id));

      addedCampaigns += added.length;
      addedActivity += [...since.values()].reduce((sum, n) => sum + n, 0);
      campaigns = nextCampaigns;
      activity = await activityCounts(campaigns);
      clock = next;
    }
    expect(addedCampaigns).toBeGreaterThan(0);
    expect(addedActivity).toBeGreaterThan(0);
  });

  it('answers 404 in Mailchimp’s problem shape', async () => {
    const error = await sdkError(mailchimp.campaigns.get('not-a-campaign'));
    expect(error.status).toBe(404);
    expect(error.response.body).toMatchObject({
      type: 'https://mailchimp.com/developer/marketing/docs/errors/',
      title: 'Resource Not Found',
      status: 404,
    });
  });

  it('rejects a wrong API key through the SDK, and accepts Bearer auth from raw REST', async () => {
    mailchimp.setConfig({ apiKey: '0123456789abcdef0123456789abcdef-us9', server: 'us9' });
    const error = await sdkError(mailchimp.campaigns.list());
    expect(error.status).toBe(401);
    expect(error.response.body).toMatchObject({
      type: 'https://mailchimp.com/developer/marketing/docs/errors/',
      title: 'API Key Invalid',
      status: 401,
      detail: "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
    });
    expect(error.response.body.instance).toEqual(expect.any(String));

    const bearer = await fetch(`${url}/3.0/campaigns?count=1`, {
      headers: { authorization: `Bearer ${sandboxCredentials.mailchimpApiKey}` },
    });
    expect(bearer.status).toBe(200);
    const missing = await fetch(`${url}/3.0/campaigns`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ title: 'API Key Missing', status: 401 });
  });
});

function countActivity(emails: MailchimpEmailActivity[]): number {
  return emails.reduce((sum, email) => sum + email.activity.length, 0);
}
