import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { runFetch } from '../../src/fetch/run-fetch.ts';
import { Lake } from '../../src/lake/lake.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { type RunningEmulators, startEmulators } from '../../src/sandbox/emulators/index.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { loadSources } from '../../src/sources/registry.ts';
import { Database } from '../../src/sql/database.ts';

const day = 24 * 60 * 60 * 1000;

/** What each raw stream must hold after a full backfill at `clock`, counted from the generator. */
function expectedCounts(gym: SandboxDataset, clock: Date): Record<string, number> {
  const customers = gym.capitan.customers(clock);
  const campaigns = gym.mailchimp.campaigns(clock);
  const media = gym.instagram.media(clock);
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
  };
}

describe('a full backfill of the demo gym through the emulators and the official SDKs', () => {
  let dir: string;
  let gym: SandboxDataset;
  let running: RunningEmulators;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'basin-demo-backfill-'));
    gym = generateGym({ size: 'demo' });
    running = await startEmulators(gym);
  });
  afterAll(async () => {
    await running?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches every record the generator produced, stream by stream', async () => {
    const config = loadConfig({ env: { ...running.env, BASIN_LAKE_URL: dir }, cwd: dir });
    const db = await Database.open(new Lake(config.lake), { timeZone: config.timeZone });
    const clock = running.emulators.stripe.clock;
    const results = await runFetch(db, config, await loadSources(), {
      runId: 'backfill',
      now: clock,
      log: () => {},
    });
    expect(results.filter((r) => r.status !== 'ok' || r.rejected > 0)).toEqual([]);

    const stored: Record<string, number> = {};
    for (const r of results) {
      const [row] = await db.query(
        `select count(distinct record_id)::int as n from raw_${r.source}__${r.stream}`,
      );
      stored[`${r.source}/${r.stream}`] = Number(row?.n);
    }
    db.close();
    expect(stored).toEqual(expectedCounts(gym, clock));
    expect(stored['capitan/customers']).toBeGreaterThan(10_000);
  }, 300_000);
});
