/** Offer response: per campaign and offer, engagement, conversion against a comparison group, promo revenue. */
import * as Plot from '@observablehq/plot';
import type { Row } from '../src/sql/database.ts';
import { chart } from './lib/charts.ts';
import { isMain, runNotebook } from './lib/cli.ts';
import { hasTable, metric, type ReportContext } from './lib/context.ts';
import {
  formatCents,
  formatDecimal,
  formatInteger,
  formatPercent,
  type Html,
  html,
  isoDate,
  ratio,
} from './lib/format.ts';
import { notYetComputed, page } from './lib/page.ts';
import { type ReportDefinition, subtitle } from './lib/report.ts';
import { type Dimension, segmented } from './lib/segments.ts';
import { type Column, table } from './lib/table.ts';

export interface OfferLine {
  campaignId: string;
  title: string;
  sentOn: string;
  hasOffer: boolean;
  /** As `metrics/offer_type_conversion` pools them: the offer's type, `none`, or `unknown` before analysis. */
  offerType: string;
  offer: string;
  code: string | null;
  category: string;
  reading: string;
  analyzedBy: string;
  recipients: number;
  opens: number;
  clicks: number;
  converters: number;
  conversion: number | null;
  comparison: number | null;
  /** Percentage points: conversion minus comparison. */
  lift: number | null;
  windowDays: number | null;
  redemptions: number;
  promoRevenue: number;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
/** A rate column as a share; the contract allows either a share or a percentage. */
const share = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return n > 1 ? n / 100 : n;
};

function themes(value: unknown): string {
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed.join(', ');
    } catch {
      // plain text
    }
    return value;
  }
  return '';
}

/** Reads `offer_conversion` (and the template reading in `email_templates`, when it can be joined). */
export async function loadOffers(ctx: ReportContext): Promise<OfferLine[]> {
  const rows = await ctx.db.query('select * from offer_conversion order by sent_at desc');
  // The template's reading joins by content hash, or by campaign when the cache keeps campaign ids.
  const templates = new Map<string, Row>();
  let joinKey: 'content_hash' | 'campaign_id' | undefined;
  if (rows.length > 0 && (await hasTable(ctx.db, 'email_templates'))) {
    const cached = await ctx.db.query('select * from email_templates');
    joinKey = (['content_hash', 'campaign_id'] as const).find(
      (k) => k in rows[0]! && cached.some((t) => k in t),
    );
    if (joinKey) for (const t of cached) templates.set(String(t[joinKey]), t);
  }
  return rows.map((r) => {
    const template = (joinKey && templates.get(String(r[joinKey]))) || r;
    const conversion = share(r.conversion_rate);
    const comparison = share(r.comparison_rate);
    const reading = [
      template.summary,
      template.tone ? `Tone: ${template.tone}.` : '',
      themes(template.themes) ? `Themes: ${themes(template.themes)}.` : '',
    ]
      .filter((s) => s)
      .join(' ');
    const offerParts = [
      r.offer_amount,
      r.offer_type ? String(r.offer_type).replaceAll('_', ' ') : null,
    ].filter((s) => s);
    return {
      campaignId: String(r.campaign_id),
      title: String(r.campaign_title ?? r.campaign_id),
      sentOn: r.sent_at ? isoDate(r.sent_at) : '',
      hasOffer: r.has_offer === true,
      offerType:
        r.has_offer === null || r.has_offer === undefined
          ? 'unknown'
          : r.has_offer
            ? String(r.offer_type ?? 'other')
            : 'none',
      offer: r.has_offer
        ? `${offerParts.join(' ')}${r.offer_description ? `: ${r.offer_description}` : ''}`
        : 'no offer',
      code: r.offer_code ? String(r.offer_code) : null,
      category: String(r.email_category ?? ''),
      reading: String(reading),
      analyzedBy: String(r.analyzed_by ?? ''),
      recipients: num(r.recipients),
      opens: num(r.opens),
      clicks: num(r.clicks),
      converters: num(r.converters),
      conversion,
      comparison,
      lift: conversion !== null && comparison !== null ? (conversion - comparison) * 100 : null,
      windowDays: r.window_days === null || r.window_days === undefined ? null : num(r.window_days),
      redemptions: num(r.promo_redemptions),
      promoRevenue: num(r.promo_revenue),
    };
  });
}

const points = (lift: number | null) =>
  lift === null ? '—' : `${lift >= 0 ? '+' : '−'}${formatDecimal(Math.abs(lift))} pts`;

function offersSection(lines: OfferLine[]): Html {
  const withOffer = lines
    .filter((l) => l.hasOffer)
    .sort((a, b) => (b.lift ?? -Infinity) - (a.lift ?? -Infinity));
  const arrows = withOffer.filter((l) => l.conversion !== null && l.comparison !== null);
  const label = (l: OfferLine) => `${l.title} (${l.sentOn})`;
  const columns: Column<OfferLine>[] = [
    {
      header: 'Campaign',
      wide: true,
      cell: (l) => html`<strong>${l.title}</strong><br><span class="note">${l.category}</span>`,
      value: (l) => `${l.title} (${l.sentOn})`,
      filter: true,
    },
    { header: 'Sent', cell: (l) => l.sentOn },
    { header: 'Offer type', cell: (l) => typeLabel(l.offerType), value: (l) => l.offerType },
    {
      header: 'Offer',
      wide: true,
      cell: (l) => html`${l.offer}${l.code ? html`<br><code>${l.code}</code>` : ''}`,
    },
    {
      header: 'The LLM’s reading of the template',
      wide: true,
      cell: (l) =>
        html`${l.reading}${l.analyzedBy ? html`<br><span class="note">read by ${l.analyzedBy}</span>` : ''}`,
    },
    {
      header: 'Recipients',
      numeric: true,
      cell: (l) => formatInteger(l.recipients),
      value: (l) => l.recipients,
      key: (l) => `${l.campaignId}|recipients`,
    },
    {
      header: 'Opens',
      numeric: true,
      cell: (l) =>
        html`${formatInteger(l.opens)}<br><span class="note">${formatPercent(ratio(l.opens, l.recipients))}</span>`,
      value: (l) => l.opens,
      key: (l) => `${l.campaignId}|opens`,
    },
    {
      header: 'Clicks',
      numeric: true,
      cell: (l) =>
        html`${formatInteger(l.clicks)}<br><span class="note">${formatPercent(ratio(l.clicks, l.recipients))}</span>`,
      value: (l) => l.clicks,
      key: (l) => `${l.campaignId}|clicks`,
    },
    {
      header: 'Converted',
      numeric: true,
      cell: (l) => formatInteger(l.converters),
      value: (l) => l.converters,
      key: (l) => `${l.campaignId}|converters`,
    },
    {
      header: 'Conversion',
      numeric: true,
      cell: (l) => formatPercent(l.conversion),
      value: (l) => l.conversion,
      key: (l) => `${l.campaignId}|conversion`,
    },
    {
      header: 'Comparison',
      numeric: true,
      cell: (l) => formatPercent(l.comparison),
      value: (l) => l.comparison,
      key: (l) => `${l.campaignId}|comparison`,
    },
    {
      header: 'Lift',
      numeric: true,
      cell: (l) => html`<span class="${(l.lift ?? 0) > 0 ? 'good' : 'bad'}">${points(l.lift)}</span>`,
      value: (l) => l.lift,
      key: (l) => `${l.campaignId}|lift`,
    },
    {
      header: 'Redeemed',
      numeric: true,
      cell: (l) => formatInteger(l.redemptions),
      value: (l) => l.redemptions,
      key: (l) => `${l.campaignId}|redemptions`,
    },
    {
      header: 'Promo revenue',
      numeric: true,
      cell: (l) => formatCents(l.promoRevenue),
      value: (l) => l.promoRevenue,
      key: (l) => `${l.campaignId}|promo_revenue`,
    },
  ];
  const plain = lines.filter((l) => !l.hasOffer);
  const none = (what: string) => html`<p class="note">${what}</p>`;
  return html`
<h2>Which offers worked</h2>
${
  withOffer.length === 0
    ? none('No campaign with an offer in this selection.')
    : arrows.length === 0
      ? html`<p class="note">No campaign with an offer has a conversion and a comparison rate yet.</p>`
      : chart('offer-lift', {
          width: 900,
          height: 50 + 24 * arrows.length,
          marginLeft: 300,
          marginBottom: 40,
          x: {
            label: 'Conversion rate (arrow: from comparison group to recipients)',
            tickFormat: '.0%',
            grid: true,
            zero: true,
          },
          y: { domain: arrows.map(label), label: null },
          color: {
            type: 'ordinal',
            domain: ['worked', 'did not'],
            range: ['#15803d', '#b91c1c'],
            legend: true,
          },
          marks: [
            Plot.arrow(arrows, {
              x1: 'comparison',
              x2: 'conversion',
              y: label,
              stroke: (l: OfferLine) => ((l.lift ?? 0) > 0 ? 'worked' : 'did not'),
              strokeWidth: 2,
              headLength: 6,
              title: (l: OfferLine) =>
                `${l.title}: ${formatPercent(l.conversion)} of recipients converted against ${formatPercent(l.comparison)} of the comparison group (${points(l.lift)})`,
            }),
            Plot.dot(arrows, { x: 'comparison', y: label, fill: '#94a3b8', r: 3 }),
          ],
        })
}
${withOffer.length === 0 ? '' : table('offers', columns, withOffer)}
<h2>Campaigns without an offer</h2>
${
  plain.length === 0
    ? none('No campaign without an offer in this selection.')
    : table(
        'campaigns',
        columns.filter((c) => !['Offer type', 'Offer', 'Redeemed', 'Promo revenue'].includes(c.header)),
        plain,
      )
}`;
}

/** `none` → "No offer", `day_pass_discount` → "Day pass discount". */
function typeLabel(type: string): string {
  if (type === 'none') return 'No offer';
  if (type === 'unknown') return 'Not read yet';
  const words = type.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The page's filter: one offer type (a campaign is picked in the tables). */
function typeDimension(lines: OfferLine[]): Dimension {
  const types = [...new Set(lines.map((l) => l.offerType))].sort((a, b) =>
    typeLabel(a).localeCompare(typeLabel(b)),
  );
  return {
    key: 'type',
    label: 'Offer type',
    choices: [{ value: 'all', label: 'All types' }, ...types.map((t) => ({ value: t, label: typeLabel(t) }))],
  };
}

/** `metrics/offer_type_conversion`: the campaigns pooled by offer type, rates over people. */
async function typeSection(ctx: ReportContext): Promise<Html> {
  if (!(await hasTable(ctx.db, 'offer_type_conversion'))) return html``;
  const rows = await ctx.db.query('select * from offer_type_conversion order by lift_points desc nulls last');
  const columns: Column<Row>[] = [
    {
      header: 'Offer type',
      cell: (r) => typeLabel(String(r.offer_type)),
      value: (r) => String(r.offer_type),
    },
    {
      header: 'Campaigns',
      numeric: true,
      cell: (r) => formatInteger(num(r.campaigns)),
      value: (r) => num(r.campaigns),
    },
    {
      header: 'Recipients',
      numeric: true,
      cell: (r) => formatInteger(num(r.recipients)),
      value: (r) => num(r.recipients),
      key: (r) => `${r.offer_type}|recipients`,
    },
    {
      header: 'Converted',
      numeric: true,
      cell: (r) => formatInteger(num(r.converters)),
      value: (r) => num(r.converters),
    },
    {
      header: 'Conversion',
      numeric: true,
      cell: (r) => formatPercent(share(r.conversion_rate)),
      value: (r) => share(r.conversion_rate),
      key: (r) => `${r.offer_type}|conversion`,
    },
    {
      header: 'Comparison',
      numeric: true,
      cell: (r) => formatPercent(share(r.comparison_rate)),
      value: (r) => share(r.comparison_rate),
    },
    {
      header: 'Lift',
      numeric: true,
      cell: (r) => points(r.lift_points === null ? null : num(r.lift_points)),
      value: (r) => (r.lift_points === null ? null : num(r.lift_points)),
      key: (r) => `${r.offer_type}|lift`,
    },
    {
      header: 'Redeemed',
      numeric: true,
      cell: (r) => formatInteger(num(r.promo_redemptions)),
      value: (r) => num(r.promo_redemptions),
    },
    {
      header: 'Promo revenue',
      numeric: true,
      cell: (r) => formatCents(num(r.promo_revenue)),
      value: (r) => num(r.promo_revenue),
    },
  ];
  return html`
<h2>By offer type</h2>
${table('offer-types', columns, rows)}`;
}

async function engagementFallback(ctx: ReportContext): Promise<Html> {
  if (!(await hasTable(ctx.db, 'email_campaigns'))) return html``;
  const rows = await metric(ctx, 'campaign_engagement');
  return html`
<h2>Campaign engagement (Mailchimp’s report)</h2>
<p class="note">Until offers are computed, this is what Mailchimp reports per campaign; conversion and lift need the offer step.</p>
${table(
  'campaign-engagement',
  [
    { header: 'Campaign', cell: (r: Row) => String(r.campaign_title) },
    { header: 'Sent', cell: (r) => isoDate(r.sent_local_date) },
    {
      header: 'Recipients',
      numeric: true,
      cell: (r) => formatInteger(num(r.recipients)),
      key: (r) => `${r.campaign_id}|recipients`,
    },
    { header: 'Unique opens', numeric: true, cell: (r) => formatInteger(num(r.opens)) },
    {
      header: 'Open rate',
      numeric: true,
      cell: (r) => formatPercent(ratio(num(r.opens), num(r.recipients))),
    },
    { header: 'Unique clicks', numeric: true, cell: (r) => formatInteger(num(r.clicks)) },
    {
      header: 'Click rate',
      numeric: true,
      cell: (r) => formatPercent(ratio(num(r.clicks), num(r.recipients))),
    },
  ],
  rows,
)}`;
}

async function render(ctx: ReportContext): Promise<string> {
  const computed = await hasTable(ctx.db, 'offer_conversion');
  const lines = computed ? await loadOffers(ctx) : [];
  const windowDays = lines.find((l) => l.windowDays !== null)?.windowDays ?? ctx.windowDays;
  const body = computed
    ? html`${await typeSection(ctx)}
${await segmented('offers', [typeDimension(lines)], ({ type }) => {
  const chosen = lines.filter((l) => type === 'all' || l.offerType === type);
  return chosen.length > 0 ? offersSection(chosen) : null;
})}`
    : html`${notYetComputed('metrics/offer_conversion', 'conversion per campaign and offer, with its lift')}${await engagementFallback(ctx)}`;
  return page({
    title: 'Offer response',
    subtitle: subtitle(ctx),
    definitions: [
      `Conversion = the share of a campaign’s recipients (matched to a customer) who bought within ${windowDays} days of the send, counted per person; comparison = the same share in the comparison group over the same days; lift = the difference in percentage points (green: the offer did better).`,
      'By offer type pools the campaigns of each type over people. The offer-type selector re-draws the chart and the tables for one type (each drawn in advance); a table’s campaign selector narrows it to one campaign.',
      'Opens and clicks are unique recipients. Promo revenue = sales that used the campaign’s promo code, net of refunds. Only Square records a code (as the order’s discount): a code redeemed online or on a membership is taken by Capitan, whose API does not show it, and reaches Stripe as a plain lower amount, so such redemptions count as conversions but not as promo revenue. The offer and the reading of each template are Claude Haiku’s (or the heuristic’s, when no API key is set), cached by the template’s content.',
    ],
    body,
  });
}

export const offers: ReportDefinition = {
  file: 'offers.html',
  title: 'Offer response',
  summary:
    'per campaign and offer: recipients, opens, clicks, conversion with lift, promo revenue, the LLM’s reading',
  render,
};

if (isMain(import.meta.url)) await runNotebook(offers);
