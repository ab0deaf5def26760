import { openRunner } from '../pipeline/model-graph.ts';
import type { Database } from '../sql/database.ts';

export const OFFER_CONVERSION_KEY = 'metrics/offer_conversion';

export interface OfferMetricsResult {
  campaigns: number;
  withOffer: number;
  promoRedemptions: number;
}

/**
 * Builds the metrics layer (`queries/metrics/`): `metrics/offer_conversion`, per campaign and offer,
 * reach, conversions within `windowDays` against non-recipients over the same days, and the revenue
 * the offer's promo code brought; and `metrics/offer_type_conversion`, the same pooled by offer type.
 * Needs the timeline and the campaign offers.
 */
export async function buildOfferMetrics(
  db: Database,
  options: { windowDays: number },
): Promise<OfferMetricsResult> {
  const runner = await openRunner(db, { vars: { window_days: options.windowDays } });
  await runner.build(
    runner.graph.select((m) => m.kind === 'sql' && m.layer === 'metrics' && m.materialized !== 'query'),
  );
  const [row] = await db.query(
    `select count(*)::integer as campaigns, count(*) filter (where has_offer)::integer as with_offer,
            coalesce(sum(promo_redemptions), 0)::integer as redemptions
     from offer_conversion`,
  );
  return {
    campaigns: Number(row?.campaigns ?? 0),
    withOffer: Number(row?.with_offer ?? 0),
    promoRedemptions: Number(row?.redemptions ?? 0),
  };
}
