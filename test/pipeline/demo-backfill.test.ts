import { beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { sandboxAds } from '../../src/sandbox/emulators/facebook-ads.ts';
import { DEFAULT_TIME_ZONE, generateGym } from '../../src/sandbox/generate.ts';
import { Database } from '../../src/sql/database.ts';
import { BUILD_WAIT_MS, type DemoLake, sharedDemoLake } from '../support/demo-lake.ts';

const day = 24 * 60 * 60 * 1000;

/** What each raw stream must hold after a full backfill at `clock`, counted from the generator. */
function expectedCounts(gym: SandboxDataset, clock: Date): Record<string, number> {
  const customers = gym.capitan.customers(clock);
  const campaigns = gym.mailchimp.campaigns(clock);
  const media = gym.instagram.media(clock);
  const ads = sandboxAds(gym);
  const parseInstagram = (t: string) => new Date(t.replace(/\+0000$/, 'Z')).getTime();
  return {
    'capitan/customers': customers.length,
    'capitan/customer_memberships': gym.capitan.memberships(clock).length,
    'capitan/checkins': gym.capitan.checkins(clock).length,
    'capitan/associations': gym.capitan.associations(clock).length,
    'capitan/association_members': gym.capitan.associationMembers(clock).length,
    'capitan/events': gym.capitan.events(clock).length,
    'capitan/relations': customers.reduce((n, c) => n + gym.capitan.relations(c.id, clock).length, 0),
    'stripe/customers': gym.stripe.customers(clock).length,
    'stripe/payment_intents': gym.stripe.paymentIntents(clock).length,
    'stripe/refunds': gym.stripe.refunds(clock).length,
    'square/locations': gym.square.locations().length,
    'square/customers': gym.square.customers(clock).length,
    'square/payments': gym.square.payments(clock).length,
    'square/orders': gym.square.orders(clock).length,
    'square/refunds': gym.square.refunds(clock).length,
    'mailchimp/campaigns': campaigns.length,
    'mailchimp/campaign_content': campaigns.length,
    'mailchimp/reports': campaigns.length,
    'mailchimp/email_activity': campaigns.reduce(
      (n, c) => n + gym.mailchimp.emailActivity(c.id, clock).length,
      0,
    ),
    'mailchimp/members': gym.mailchimp
      .lists(clock)
      .reduce((n, l) => n + gym.mailchimp.members(l.id, clock).length, 0),
    'instagram/account': 1,
    'instagram/media': media.length,
    'instagram/insights': media.filter((m) => clock.getTime() - parseInstagram(m.timestamp) <= 30 * day)
      .length,
    'instagram/images': media.length,
    'facebook_ads/campaigns': ads.campaigns.length,
    'facebook_ads/adsets': ads.adsets.length,
    'facebook_ads/ads': ads.ads.length,
    'facebook_ads/insights': ads.days.length,
    'facebook_ads/campaign_insights': new Set(
      ads.days.map((d) => `${ads.ads.find((a) => a.id === d.ad_id)!.campaign_id}|${d.day}`),
    ).size,
  };
}

describe('a full backfill of the demo gym through the emulators and the official SDKs', () => {
  let demo: DemoLake;
  let gym: SandboxDataset;

  beforeAll(async () => {
    demo = await sharedDemoLake();
    gym = generateGym({ size: 'demo' });
  }, BUILD_WAIT_MS);

  it('fetches every record the generator produced, stream by stream', async () => {
    const db = await Database.open(new Lake({ kind: 'local', dir: demo.lakeDir }), {
      timeZone: DEFAULT_TIME_ZONE,
    });
    try {
      const [run] = await db.query(
        `select status, cast(steps as varchar) as steps from daily_runs order by started_at desc limit 1`,
      );
      expect(run?.status).toBe('ok');
      const steps = JSON.parse(String(run?.steps)) as { name: string; rejected: number | null }[];
      expect(steps.find((step) => step.name === 'fetch')?.rejected).toBe(0);
      const stored: Record<string, number> = {};
      const [{ n: streams } = { n: 0 }] = await db.query(
        'select count(*)::int as n from fetch_state where last_success_at is not null',
      );
      for (const stream of Object.keys(expectedCounts(gym, gym.asOf))) {
        const [row] = await db.query(
          `select count(distinct record_id)::int as n from raw_${stream.replace('/', '__')}`,
        );
        stored[stream] = Number(row?.n);
      }
      expect(stored).toEqual(expectedCounts(gym, gym.asOf));
      expect(Number(streams)).toBe(Object.keys(stored).length);
      expect(stored['capitan/customers']).toBeGreaterThan(10_000);
    } finally {
      db.close();
    }
  });
});
