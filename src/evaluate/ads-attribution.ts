import type { SandboxDataset } from '../sandbox/dataset.ts';
import { type AdSaleTruth, insightRows, sandboxAds } from '../sandbox/emulators/facebook-ads.ts';
import type { Database } from '../sql/database.ts';

/** One figure as the lake's metrics give it, the sandbox's truth, and the relative error. */
export interface Compared {
  lake: number | null;
  truth: number | null;
  relative_error: number | null;
}

export interface CampaignComparison {
  campaign_id: string;
  code: string;
  spend_cents: Compared;
  promo_customers: Compared;
  promo_revenue_cents: Compared;
  roas_promo_code: Compared;
  cac_promo_code_cents: Compared;
  roas_meta_reported: Compared;
}

export interface AdsAttributionComparison {
  /** The lake's fetch day: Meta's figures for the last days are still being restated then. */
  clock: string;
  campaigns: number;
  /**
   * The generator's ad sales: every sale that redeemed an ad's code, and the share of them whose code
   * only Capitan keeps (its API does not show it, so no promo-code basis can count them).
   */
  ad_sales: number;
  ad_sales_code_kept_in_capitan: number;
  /** Totals over campaigns; truth on the recorded basis (codes a source's API shows). */
  totals: Omit<CampaignComparison, 'campaign_id' | 'code'> & {
    /** The same promo-code figures against every ad sale, Capitan-kept codes included. */
    promo_customers_all_sales: Compared;
    promo_revenue_cents_all_sales: Compared;
    roas_promo_code_all_sales: Compared;
    cac_promo_code_cents_all_sales: Compared;
  };
  per_campaign: CampaignComparison[];
  /** Campaigns whose promo-code ROAS or CAC is off by more than `tolerance`, recorded basis. */
  campaigns_off: string[];
  tolerance: number;
  worst_campaign_relative_error: number;
}

/**
 * Reads the lake's `ad_campaign_performance` (built by the daily run over the emulators) and sets
 * each campaign's spend, promo-code customers, revenue, ROAS and CAC beside the generator's own record
 * of which sales came from which ad (`sandboxAds(gym).sales`). Spend is compared with what Meta
 * shows on the lake's fetch day (the last days restated later); the promo-code basis with the sales a
 * source's API records the code of, and, separately, with every ad sale.
 */
export async function compareAdsAttribution(
  db: Database,
  gym: SandboxDataset,
  clock: Date,
  tolerance = 0.01,
): Promise<AdsAttributionComparison> {
  const ads = sandboxAds(gym);
  const codeOf = new Map(ads.ads.map((ad) => [ad.campaign_id, ad.code]));

  const shownSpend = new Map<string, number>();
  for (const row of insightRows(gym, clock, {
    level: 'campaign',
    since: '0000-01-01',
    until: '9999-12-31',
    fields: ['campaign_id', 'spend'],
  })) {
    const id = String(row.campaign_id);
    shownSpend.set(id, (shownSpend.get(id) ?? 0) + Math.round(Number(row.spend) * 100));
  }
  const reportedValue = new Map<string, number>();
  const campaignOfAd = new Map(ads.ads.map((ad) => [ad.id, ad.campaign_id]));
  for (const day of ads.days) {
    const id = campaignOfAd.get(day.ad_id)!;
    reportedValue.set(id, (reportedValue.get(id) ?? 0) + day.reported_value_cents);
  }

  const lakeRows = await db.query(
    `select campaign_id, spend_cents, promo_customers, promo_revenue_cents, cac_promo_code_cents,
            meta_reported_value_cents
     from ad_campaign_performance`,
  );
  const lakeById = new Map(lakeRows.map((r) => [String(r.campaign_id), r]));

  const sold = (sales: AdSaleTruth[]) => ({
    customers: new Set(sales.map((s) => `${s.campaign_id}|${s.person_id}`)).size,
    revenue: sales.reduce((n, s) => n + s.amount_cents, 0),
  });
  const recordedSales = ads.sales.filter((s) => s.code_recorded_in === 'square_order_discount');

  const campaigns: CampaignComparison[] = [];
  for (const campaign of ads.campaigns) {
    const lake = lakeById.get(campaign.id);
    const spend = shownSpend.get(campaign.id) ?? 0;
    const truth = sold(recordedSales.filter((s) => s.campaign_id === campaign.id));
    const lakeSpend = lake ? Number(lake.spend_cents) : null;
    const lakeCustomers = lake ? Number(lake.promo_customers) : null;
    const lakeRevenue = lake ? Number(lake.promo_revenue_cents) : null;
    campaigns.push({
      campaign_id: campaign.id,
      code: codeOf.get(campaign.id)!,
      spend_cents: compared(lakeSpend, spend),
      promo_customers: compared(lakeCustomers, truth.customers),
      promo_revenue_cents: compared(lakeRevenue, truth.revenue),
      roas_promo_code: compared(ratio(lakeRevenue, lakeSpend), ratio(truth.revenue, spend)),
      cac_promo_code_cents: compared(
        lake?.cac_promo_code_cents == null ? null : Number(lake.cac_promo_code_cents),
        ratio(spend, truth.customers),
      ),
      roas_meta_reported: compared(
        ratio(lake ? Number(lake.meta_reported_value_cents) : null, lakeSpend),
        ratio(reportedValue.get(campaign.id) ?? 0, spend),
      ),
    });
  }

  const sum = (values: (number | null)[]) => values.reduce<number>((n, v) => n + (v ?? 0), 0);
  const lakeSpend = sum(lakeRows.map((r) => Number(r.spend_cents)));
  const truthSpend = sum([...shownSpend.values()]);
  // Customers add up per campaign on both sides: a person two campaigns brought counts in each.
  const lakeCustomerCount = sum(lakeRows.map((r) => Number(r.promo_customers)));
  const lakeRevenue = sum(lakeRows.map((r) => Number(r.promo_revenue_cents)));
  const recorded = sold(recordedSales);
  const all = sold(ads.sales);
  const lakeReported = sum(lakeRows.map((r) => Number(r.meta_reported_value_cents)));

  const campaignsOff = campaigns
    .filter((c) => [c.roas_promo_code, c.cac_promo_code_cents].some((f) => !within(f, tolerance)))
    .map((c) => c.campaign_id);
  return {
    clock: clock.toISOString(),
    campaigns: campaigns.length,
    ad_sales: ads.sales.length,
    ad_sales_code_kept_in_capitan: ads.sales.length - recordedSales.length,
    totals: {
      spend_cents: compared(lakeSpend, truthSpend),
      promo_customers: compared(lakeCustomerCount, recorded.customers),
      promo_revenue_cents: compared(lakeRevenue, recorded.revenue),
      roas_promo_code: compared(ratio(lakeRevenue, lakeSpend), ratio(recorded.revenue, truthSpend)),
      cac_promo_code_cents: compared(
        ratio(lakeSpend, lakeCustomerCount),
        ratio(truthSpend, recorded.customers),
      ),
      roas_meta_reported: compared(
        ratio(lakeReported, lakeSpend),
        ratio(sum([...reportedValue.values()]), truthSpend),
      ),
      promo_customers_all_sales: compared(lakeCustomerCount, all.customers),
      promo_revenue_cents_all_sales: compared(lakeRevenue, all.revenue),
      roas_promo_code_all_sales: compared(ratio(lakeRevenue, lakeSpend), ratio(all.revenue, truthSpend)),
      cac_promo_code_cents_all_sales: compared(
        ratio(lakeSpend, lakeCustomerCount),
        ratio(truthSpend, all.customers),
      ),
    },
    per_campaign: campaigns,
    campaigns_off: campaignsOff,
    tolerance,
    worst_campaign_relative_error: Math.max(
      0,
      ...campaigns.flatMap((c) =>
        [c.roas_promo_code, c.cac_promo_code_cents].map((f) => f.relative_error ?? 0),
      ),
    ),
  };
}

function ratio(numerator: number | null, denominator: number | null): number | null {
  return numerator === null || denominator === null || denominator === 0 ? null : numerator / denominator;
}

function compared(lake: number | null, truth: number | null): Compared {
  const relative_error =
    lake === null || truth === null
      ? null
      : truth === 0
        ? lake === 0
          ? 0
          : 1
        : Math.abs(lake - truth) / truth;
  return { lake, truth, relative_error };
}

function within(figure: Compared, tolerance: number): boolean {
  if (figure.lake === null && figure.truth === null) return true;
  return figure.relative_error !== null && figure.relative_error <= tolerance;
}
