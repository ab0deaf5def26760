import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverRules } from '../../src/rules/discover.ts';
import type { Database, Row } from '../../src/sql/database.ts';
import { addDays, HandBuilt, openLake } from '../rules/hand-built.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const AS_OF = '2026-06-15';
const at = (n: number) => addDays(AS_OF, n);
const offer = (type: string, code: string) => ({
  campaign_id: `c-${code}`,
  has_offer: true,
  offer_type: type,
  offer_code: code,
  offer_amount: '20%',
});

describe('offer_sent_recently: duplicate prevention for email offers', () => {
  const tempDir = useTempDirs();
  let db: Database;
  const hits = new Map<string, Row>();

  beforeAll(async () => {
    db = await openLake(await tempDir());
    const world = new HandBuilt()
      .event('day-pass-twice', 'email_sent', at(-20), offer('day_pass_discount', 'DYNO10A'))
      .event('day-pass-twice', 'email_sent', at(-3), offer('day_pass_discount', 'DYNO11B'))
      .event('membership-today', 'email_sent', AS_OF, offer('membership_discount', 'CRUX20C'))
      .event('offer-30-days-ago', 'email_sent', at(-30), offer('retail_discount', 'JUGS30D'))
      .event('offer-29-days-ago', 'email_sent', at(-29), offer('retail_discount', 'JUGS31E'))
      .event('newsletter-only', 'email_sent', at(-2), { campaign_id: 'n1', has_offer: false })
      .event('unknown-template', 'email_sent', at(-2), { campaign_id: 'u1', has_offer: null })
      .event('offer-tomorrow', 'email_sent', at(1), offer('free_trial', 'FLASH1F'));
    await world.write(db);
    const rule = (await discoverRules()).find((r) => r.name === 'offer_sent_recently')!;
    for (const row of await rule.check(db, AS_OF)) hits.set(String(row.customer_id), row);
  });
  afterAll(() => db?.close());

  const details = (id: string) => JSON.parse(String(hits.get(id)?.flag_details)) as Record<string, unknown>;

  it('flags offers received in the last 30 days (today included), not newsletters, unknowns or later sends', () => {
    expect([...hits.keys()].sort()).toEqual(['day-pass-twice', 'membership-today', 'offer-29-days-ago']);
  });

  it('names the types received and those already sent twice, with the latest offer', () => {
    expect(details('day-pass-twice')).toMatchObject({
      offer_types: ['day_pass_discount'],
      repeated_offer_types: ['day_pass_discount'],
      offers_in_window: 2,
      offer_code: 'DYNO11B',
      days_since_offer: 3,
    });
    expect(details('membership-today')).toMatchObject({ repeated_offer_types: [], days_since_offer: 0 });
    expect((hits.get('day-pass-twice')!.flag_date as Date).toISOString().slice(0, 10)).toBe(at(-3));
  });
});
