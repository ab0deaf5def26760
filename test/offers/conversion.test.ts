import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInputTable } from '../../src/identity/input.ts';
import { resolveIdentities } from '../../src/identity/resolve.ts';
import { lakeStore } from '../../src/identity/store.ts';
import { Lake } from '../../src/lake/lake.ts';
import { analyseTemplates } from '../../src/offers/analyse-templates.ts';
import { buildOfferMetrics } from '../../src/offers/conversion.ts';
import { stage } from '../../src/pipeline/stage.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { writeScaleLake } from '../../src/sandbox/scale-writer.ts';
import { Database, type Row, sqlString } from '../../src/sql/database.ts';
import { buildTimeline } from '../../src/timeline/build-timeline.ts';

/** Large enough that the planted effect stands clear of the noise of a few hundred recipients. */
const SCALE = 0.3;
const TIME_ZONE = 'America/Chicago';
const STRANGER = 'nobody.we.know@example.org';

describe('offer conversion and promo-code attribution on the sandbox gym', () => {
  let dir: string;
  let gym: SandboxDataset;
  let db: Database;
  let rows: Row[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'basin-offers-'));
    await writeScaleLake({ scale: SCALE, dir, workers: 0 });
    gym = generateGym({ size: SCALE });
    db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone: TIME_ZONE });
    await addStrangerRecipient(db);
    await stage(db, { time_zone: TIME_ZONE });
    await createInputTable(db, 'select * from stg_identity_records');
    await resolveIdentities(db, lakeStore(db), { asOf: gym.asOf, now: gym.asOf });
    await analyseTemplates(db); // no key: the heuristic reads the templates
    await buildTimeline(db, { timeZone: TIME_ZONE });
    await buildOfferMetrics(db, { windowDays: 30 });
    rows = await db.query('select * from offer_conversion');
  }, 240_000);
  afterAll(async () => {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** An address on one campaign's activity that belongs to no member or customer anywhere. */
  async function addStrangerRecipient(db: Database): Promise<void> {
    const campaignId = gym.truth.templates.find((t) => t.has_offer)!.campaign_id;
    const payload = JSON.stringify({
      campaign_id: campaignId,
      list_id: 'stranger-list',
      email_id: 'f'.repeat(32),
      email_address: STRANGER,
      activity: [],
    });
    await db.lake.appendPart('raw/mailchimp/email_activity', 'stranger', (tmp) =>
      db.run(
        `copy (select $id as record_id, $payload::json as payload, md5($payload) as payload_hash,
                      now() as fetched_at, 'stranger' as run_id)
         to ${sqlString(tmp)} (format parquet)`,
        { id: `${campaignId}:${'f'.repeat(32)}`, payload },
      ),
    );
    await db.refreshViews();
  }

  const truthOf = () => new Map(gym.truth.templates.map((t) => [t.campaign_id, t]));

  it('writes email_sent for every recipient with its offer, keeping unmatched recipients', async () => {
    const [sent] = await db.query(
      `select count(*)::integer as events,
              count(*) filter (where source_confidence = 'unmatched')::integer as unmatched,
              count(*) filter (where (event_details ->> 'has_offer') = 'true')::integer as with_offer,
              count(*) filter (where (event_details ->> 'offer_code') is not null)::integer as with_code
       from customer_events where event_type = 'email_sent'`,
    );
    const [recipients] = await db.query('select count(*)::integer as n from stg_mailchimp__recipients');
    expect(sent!.events).toBe(recipients!.n);
    const unmatched = await db.query(
      `select source_record_id from customer_events
       where event_type = 'email_sent' and source_confidence = 'unmatched'`,
    );
    expect(unmatched.map((r) => String(r.source_record_id).split(':')[1])).toEqual([STRANGER]);
    expect(Number(sent!.with_offer)).toBeGreaterThan(0);
    expect(sent!.with_code).toBe(sent!.with_offer);

    const [example] = await db.query(
      `select e.event_details ->> 'offer_code' as code, e.event_details ->> 'campaign_id' as campaign_id
       from customer_events as e where event_type = 'email_sent' and (event_details ->> 'has_offer') = 'true' limit 1`,
    );
    expect(example!.code).toBe(truthOf().get(String(example!.campaign_id))!.offer_code);
  });

  it('has one row per campaign, counting people, with rates and lift', () => {
    expect(rows.length).toBe(new Set(rows.map((r) => r.campaign_id)).size);
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) {
      expect(Number(row.matched_recipients)).toBeLessThanOrEqual(Number(row.recipients));
      expect(Number(row.opens)).toBeLessThanOrEqual(Number(row.recipients));
      expect(Number(row.clicks)).toBeLessThanOrEqual(Number(row.opens));
      expect(Number(row.converters)).toBeLessThanOrEqual(Number(row.matched_recipients));
      expect(row.window_days).toBe(30);
      if (Number(row.matched_recipients) > 0)
        expect(Number(row.lift_points)).toBeCloseTo(
          100 * (Number(row.conversion_rate) - Number(row.comparison_rate)),
          2,
        );
    }
  });

  it('shows higher lift for the offers the generator made effective than for the others', () => {
    const truth = truthOf();
    const meanLift = (effective: boolean, type?: string) => {
      const chosen = rows.filter((r) => {
        const t = truth.get(String(r.campaign_id));
        return t?.has_offer && t.is_effective === effective && (!type || t.offer_type === type);
      });
      expect(chosen.length).toBeGreaterThan(0);
      return chosen.reduce((sum, r) => sum + Number(r.lift_points), 0) / chosen.length;
    };
    const effective = meanLift(true);
    const ineffective = meanLift(false);
    expect(effective).toBeGreaterThan(ineffective + 1);
    expect(meanLift(true, 'day_pass_discount')).toBeGreaterThan(meanLift(false, 'day_pass_discount'));
  });

  it('pools campaigns by offer type', async () => {
    const types = await db.query('select * from offer_type_conversion');
    const sum = (rs: Row[], key: string) => rs.reduce((n, r) => n + Number(r[key]), 0);
    expect(sum(types, 'campaigns')).toBe(rows.length);
    expect(sum(types, 'converters')).toBe(sum(rows, 'converters'));
    expect(sum(types, 'promo_redemptions')).toBe(sum(rows, 'promo_redemptions'));
    expect(types.map((t) => t.offer_type)).toContain('day_pass_discount');
  });

  it('attributes promo-code revenue exactly as the generator planted it where a code is recorded', () => {
    const clock = gym.asOf;
    const squarePayments = new Map(gym.square.payments(clock).map((p) => [p.id, p]));
    const expected = new Map<string, { redemptions: number; cents: number; discount: number }>();
    // Only Square's order discounts record the code; Capitan-charged Stripe payments carry none.
    for (const r of gym.truth.redemptions.filter((r) => r.code_recorded_in === 'square_order_discount')) {
      const cents = squarePayments.get(r.payment_id)?.amount_money.amount;
      if (cents === undefined) continue; // a payment after the lake's clock
      const e = expected.get(r.code) ?? { redemptions: 0, cents: 0, discount: 0 };
      e.redemptions += 1;
      e.cents += cents;
      e.discount += r.amount_cents;
      expected.set(r.code, e);
    }
    expect(expected.size).toBeGreaterThan(5);
    const withCode = rows.filter((r) => r.offer_code !== null);
    for (const row of withCode) {
      const e = expected.get(String(row.offer_code)) ?? { redemptions: 0, cents: 0, discount: 0 };
      expect({
        code: row.offer_code,
        redemptions: Number(row.promo_redemptions),
        revenue: Number(row.promo_revenue),
        discount: Number(row.promo_discount),
      }).toEqual({
        code: row.offer_code,
        redemptions: e.redemptions,
        revenue: e.cents / 100,
        discount: e.discount / 100,
      });
    }
    const codes = new Set(withCode.map((r) => String(r.offer_code)));
    for (const code of expected.keys()) expect(codes.has(code)).toBe(true);
  });
});
