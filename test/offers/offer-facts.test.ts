import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { CAMPAIGN_OFFER_COLUMNS, writeRecords } from '../../src/offers/template-cache.ts';
import { loadModelGraph, openRunner } from '../../src/pipeline/model-graph.ts';
import { Database } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const offer = (campaignId: string, status: string, reason: string | null) => ({
  campaign_id: campaignId,
  campaign_title: campaignId,
  subject_line: 'Spring',
  sent_at: '2026-10-01T15:00:00Z',
  content_hash: `h-${campaignId}`,
  analyzed_by: 'llm',
  has_offer: true,
  offer_type: 'membership_discount',
  offer_amount: status === 'needs_review' ? '100%' : '20%',
  offer_code: status === 'needs_review' ? 'FREE100' : 'SPRING20',
  offer_expires: '2026-10-31',
  offer_description: 'first month off',
  email_category: 'promotional',
  analysis_error: null,
  offer_status: status,
  offer_review_reason: reason,
});

describe('offers that need review are not facts downstream', () => {
  const tempDir = useTempDirs();

  it('reads a needs_review offer as unknown, keeping plausible and confirmed ones', async () => {
    const lake = new Lake({ kind: 'local', dir: await tempDir() });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    try {
      await writeRecords(db, 'core/campaign_offers', CAMPAIGN_OFFER_COLUMNS, [
        offer('c1', 'confirmed', null),
        offer('c2', 'plausible', null),
        offer('c3', 'needs_review', '100% off is outside 0–75%'),
      ]);
      const runner = await openRunner(db);
      await runner.build(runner.graph.select((m) => m.id === 'core/int_campaign_offer_facts'));
      const rows = await db.query(
        `select campaign_id, has_offer, offer_type, offer_code, offer_amount, offer_status, offer_review_reason
         from int_campaign_offer_facts order by campaign_id`,
      );
      expect(rows).toEqual([
        expect.objectContaining({ campaign_id: 'c1', has_offer: true, offer_code: 'SPRING20' }),
        expect.objectContaining({ campaign_id: 'c2', has_offer: true, offer_code: 'SPRING20' }),
        {
          campaign_id: 'c3',
          has_offer: null,
          offer_type: null,
          offer_code: null,
          offer_amount: null,
          offer_status: 'needs_review',
          offer_review_reason: '100% off is outside 0–75%',
        },
      ]);
    } finally {
      db.close();
      lake.close();
    }
  });

  it('is the only way any model reads campaign offers: events, rules, churn, conversion and promo codes', async () => {
    const graph = await loadModelGraph();
    const readers = graph.select((m) => m.reads.includes('campaign_offers')).map((m) => m.id);
    expect(readers).toEqual(['core/int_campaign_offer_facts']);
    const factReaders = graph.select((m) => m.reads.includes('int_campaign_offer_facts')).map((m) => m.id);
    expect(factReaders.sort()).toEqual(['core/int_event_sources', 'metrics/offer_conversion']);
  });
});
