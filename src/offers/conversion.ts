import type { Database } from '../sql/database.ts';
import { createEmptyCampaignOffers } from './analyse-templates.ts';

export const OFFER_CONVERSION_KEY = 'metrics/offer_conversion';

export interface OfferMetricsResult {
  campaigns: number;
  withOffer: number;
  promoRedemptions: number;
}

/**
 * Materialises `metrics/offer_conversion` (queries/metrics/offer_conversion.sql): per campaign and
 * offer, reach, conversions within `windowDays` against non-recipients over the same days, and the
 * revenue the offer's promo code brought; and `metrics/offer_type_conversion`, the same pooled by
 * offer type. Needs the timeline and the campaign offers.
 */
export async function buildOfferMetrics(
  db: Database,
  options: { windowDays: number },
): Promise<OfferMetricsResult> {
  const views = await db.viewNames();
  const missing = ['customer_events', 'stg_transactions', 'stg_square__order_discounts'].filter(
    (v) => !views.has(v),
  );
  if (missing.length > 0)
    throw new Error(
      `offer metrics need the timeline and staging first (no ${missing.join(', ')} in ${db.lake.describe()}): run the daily job`,
    );
  if (!views.has('campaign_offers')) await createEmptyCampaignOffers(db);
  await db.materialize('metrics/offer_conversion', OFFER_CONVERSION_KEY, { window_days: options.windowDays });
  await db.materialize('metrics/offer_type_conversion', 'metrics/offer_type_conversion');
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
