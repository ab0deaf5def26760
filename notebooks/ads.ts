/**
 * Ads: Meta campaign performance (spend, Meta-reported purchases and ROAS, promo-code customers,
 * revenue, 90-day value, ROAS and CAC) and weekly spend against new paying customers (blended CAC).
 *
 *   npx tsx notebooks/ads.ts --sandbox   # writes data/reports/ads.html
 */
import * as Plot from '@observablehq/plot';
import { chart } from './lib/charts.ts';
import { isMain, runNotebook } from './lib/cli.ts';
import { hasTable, type ReportContext } from './lib/context.ts';
import { formatCents, formatDecimal, formatInteger, html, isoDate } from './lib/format.ts';
import { notYetComputed, page } from './lib/page.ts';
import { type ReportDefinition, subtitle } from './lib/report.ts';
import { type Column, table } from './lib/table.ts';

interface Campaign {
  campaign: string;
  spend: number;
  metaPurchases: number;
  metaValue: number;
  roasMeta: number | null;
  promoCustomers: number;
  promoNamed: number;
  promoRevenue: number;
  value90d: number;
  roasPromo: number | null;
  cacPromo: number | null;
}

interface Week {
  week: string;
  spend: number;
  newCustomers: number;
  blendedCac: number | null;
}

const definitions = [
  'Spend is what Meta reports for each ad and day (level=ad, time_increment=1), in the ad account’s currency; the last 28 days are fetched again each day, because Meta restates recent days.',
  'Meta-reported purchases and value are Meta’s own attribution (its window, view-through included). Meta-reported ROAS = Meta-reported value / spend.',
  'Promo-code customers: the payments that carry a code one of the campaign’s ads names in its copy, counted by the customer who made them; a code sale no customer is known for (cash at the front desk) counts as one customer. Named: those identified. Promo-code revenue: what those payments took. 90-day value: everything the named customers paid in the 90 days from their first such payment.',
  'Promo-code ROAS = promo-code revenue / spend; promo-code CAC = spend / promo-code customers. A code Capitan took at its own checkout is not shown by any API the product reads, so these are lower bounds of what the ads brought.',
  'Blended CAC (per Monday–Sunday week) = spend / new paying customers, where a new paying customer is a person whose first payment from any source falls in the week, whatever brought them.',
];

async function render(ctx: ReportContext): Promise<string> {
  if (!(await hasTable(ctx.db, 'ad_campaign_performance')))
    return page({
      title: 'Ads',
      subtitle: subtitle(ctx),
      definitions,
      body: notYetComputed('metrics/ad_campaign_performance', 'Meta ad spend and its return'),
    });
  const nullable = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const campaigns: Campaign[] = (
    await ctx.db.query('select * from ad_campaign_performance order by spend_cents desc, campaign_id')
  ).map((r) => ({
    campaign: String(r.campaign_name ?? r.campaign_id),
    spend: Number(r.spend_cents),
    metaPurchases: Number(r.meta_reported_purchases),
    metaValue: Number(r.meta_reported_value_cents),
    roasMeta: nullable(r.roas_meta_reported),
    promoCustomers: Number(r.promo_customers),
    promoNamed: Number(r.promo_customers_named),
    promoRevenue: Number(r.promo_revenue_cents),
    value90d: Number(r.promo_customers_90d_value_cents),
    roasPromo: nullable(r.roas_promo_code),
    cacPromo: nullable(r.cac_promo_code_cents),
  }));
  const weeks: Week[] = (await hasTable(ctx.db, 'marketing_weekly'))
    ? (
        await ctx.db.query('select * from marketing_weekly where week_start <= $as_of order by week_start', {
          as_of: ctx.asOf,
        })
      ).map((r) => ({
        week: isoDate(r.week_start),
        spend: Number(r.spend_cents),
        newCustomers: Number(r.new_paying_customers),
        blendedCac: nullable(r.blended_cac_cents),
      }))
    : [];

  const cents = (n: number | null) => (n === null ? '—' : formatCents(n / 100));
  const times = (n: number | null) => (n === null ? '—' : `${formatDecimal(n)}×`);
  const money = (header: string, get: (r: Campaign) => number | null): Column<Campaign> => ({
    header,
    numeric: true,
    cell: (r) => cents(get(r)),
    value: (r) => get(r),
  });
  const count = (header: string, get: (r: Campaign) => number): Column<Campaign> => ({
    header,
    numeric: true,
    cell: (r) => formatInteger(get(r)),
    value: get,
  });
  const campaignColumns: Column<Campaign>[] = [
    { header: 'Campaign', cell: (r) => r.campaign },
    money('Spend', (r) => r.spend),
    count('Meta purchases', (r) => r.metaPurchases),
    money('Meta value', (r) => r.metaValue),
    {
      header: 'ROAS (Meta-reported)',
      numeric: true,
      cell: (r) => times(r.roasMeta),
      value: (r) => r.roasMeta,
    },
    count('Promo-code customers', (r) => r.promoCustomers),
    count('named', (r) => r.promoNamed),
    money('Promo-code revenue', (r) => r.promoRevenue),
    money('90-day value', (r) => r.value90d),
    {
      header: 'ROAS (promo code)',
      numeric: true,
      cell: (r) => times(r.roasPromo),
      value: (r) => r.roasPromo,
    },
    money('CAC (promo code)', (r) => r.cacPromo),
  ];
  const weekColumns: Column<Week>[] = [
    { header: 'Week', cell: (r) => r.week },
    { header: 'Spend', numeric: true, cell: (r) => cents(r.spend), value: (r) => r.spend },
    {
      header: 'New paying customers',
      numeric: true,
      cell: (r) => formatInteger(r.newCustomers),
      value: (r) => r.newCustomers,
    },
    { header: 'Blended CAC', numeric: true, cell: (r) => cents(r.blendedCac), value: (r) => r.blendedCac },
  ];
  const total = (get: (r: Campaign) => number) => campaigns.reduce((n, r) => n + get(r), 0);
  const spend = total((r) => r.spend);
  const promoCustomers = total((r) => r.promoCustomers);

  return page({
    title: 'Ads',
    subtitle: subtitle(ctx),
    definitions,
    body: html`<p>All campaigns: spend ${cents(spend)}; ROAS ${times(spend > 0 ? total((r) => r.metaValue) / spend : null)} Meta-reported, ${times(spend > 0 ? total((r) => r.promoRevenue) / spend : null)} on promo codes; promo-code CAC ${cents(promoCustomers > 0 ? spend / promoCustomers : null)}.</p>
<h2>Campaigns</h2>${table('ads-campaigns', campaignColumns, campaigns)}
<h2>Spend and new paying customers per week</h2>
${chart('ads-weekly', {
  width: 900,
  height: 280,
  marginLeft: 60,
  x: { type: 'band', label: null, tickFormat: (d: string) => d.slice(2) },
  y: { label: 'Blended CAC ($)', grid: true },
  marks: [
    Plot.barY(
      weeks.filter((w) => w.blendedCac !== null),
      {
        x: 'week',
        y: (w: Week) => w.blendedCac! / 100,
        fill: '#4e79a7',
        title: (w: Week) =>
          `${w.week}: ${cents(w.blendedCac)} (${cents(w.spend)} / ${formatInteger(w.newCustomers)})`,
      },
    ),
  ],
})}
${table('ads-weeks', weekColumns, weeks)}`,
  });
}

export const ads: ReportDefinition = {
  file: 'ads.html',
  title: 'Ads',
  summary: 'Meta campaigns: spend, ROAS on both bases, promo-code customers and CAC, blended CAC per week',
  render,
};

if (isMain(import.meta.url)) await runNotebook(ads);
