/** The weekly scorecard: the last 4 complete Monday–Sunday weeks and their average, and revenue by complete month. */
import * as Plot from '@observablehq/plot';
import { chart } from './lib/charts.ts';
import { isMain, runNotebook } from './lib/cli.ts';
import { hasTable, metric, type ReportContext } from './lib/context.ts';
import {
  dayLabel,
  formatDecimal,
  formatInteger,
  formatMoney,
  formatPercent,
  html,
  isoDate,
  monthLabel,
  ratio,
} from './lib/format.ts';
import { page } from './lib/page.ts';
import { type ReportDefinition, subtitle } from './lib/report.ts';
import { type Column, table } from './lib/table.ts';

export const categoryLabels: Record<string, string> = {
  day_pass: 'Day pass',
  new_membership: 'New membership',
  membership_renewal: 'Membership renewal',
  programming: 'Programming',
  team: 'Team',
  retail: 'Retail',
  event_booking: 'Event booking',
  uncategorised: 'Uncategorised',
};
const categoryOrder = Object.keys(categoryLabels);
// One colour per category in every chart (Tableau 10), whichever categories a chart happens to show.
const categoryColours = [
  '#4e79a7',
  '#f28e2c',
  '#e15759',
  '#76b7b2',
  '#9c755f',
  '#59a14f',
  '#edc949',
  '#bab0ab',
];
const colourOf = (category: string) => categoryColours[rank(category)] ?? '#bab0ab';

export interface ScorecardLine {
  metric: string;
  label: string;
  kind: 'money' | 'count' | 'share';
  /** One value per week, oldest first; null when the base is empty. */
  weeks: (number | null)[];
  average: number | null;
  total?: boolean;
}

export interface Scorecard {
  weeks: string[];
  lines: ScorecardLine[];
}

/** Pivots `metrics/weekly_scorecard` into lines; the second-visit rate is pooled over the weeks. */
export async function loadScorecard(ctx: ReportContext): Promise<Scorecard> {
  const rows = await metric(ctx, 'weekly_scorecard');
  const weeks = [...new Set(rows.map((r) => isoDate(r.week_start)))].sort();
  const value = new Map(rows.map((r) => [`${r.metric}|${isoDate(r.week_start)}`, Number(r.value)]));
  const series = (name: string) => weeks.map((w) => value.get(`${name}|${w}`) ?? 0);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const line = (metric: string, label: string, kind: 'money' | 'count', total = false): ScorecardLine => {
    const values = series(metric);
    return { metric, label, kind, weeks: values, average: mean(values), ...(total ? { total } : {}) };
  };
  const categories = [...new Set(rows.map((r) => String(r.metric)).filter((m) => m.startsWith('revenue:')))]
    .map((m) => m.slice('revenue:'.length))
    .sort((a, b) => rank(a) - rank(b));
  const base = series('second_visit_base');
  const returned = series('second_visitors');
  return {
    weeks,
    lines: [
      ...categories.map((c) => line(`revenue:${c}`, categoryLabels[c] ?? c, 'money')),
      line('revenue_total', 'Net revenue', 'money', true),
      line('day_passes', 'Day passes sold', 'count'),
      line('new_members', 'New members', 'count'),
      line('attrition', 'Attrition', 'count'),
      line('member_checkins', 'Member check-ins', 'count'),
      line('non_member_checkins', 'Non-member check-ins', 'count'),
      line('new_visitors', 'New visitors', 'count'),
      {
        metric: 'second_visit_rate',
        label: 'Second-visit rate',
        kind: 'share',
        weeks: weeks.map((_, i) => ratio(returned[i]!, base[i]!)),
        average: ratio(
          returned.reduce((a, b) => a + b, 0),
          base.reduce((a, b) => a + b, 0),
        ),
      },
    ],
  };
}

export interface MonthRevenue {
  month: string;
  category: string;
  netRevenue: number;
}

/** `metrics/monthly_revenue`: the last 12 complete months, by category. */
export async function loadMonthlyRevenue(ctx: ReportContext): Promise<MonthRevenue[]> {
  return (await metric(ctx, 'monthly_revenue')).map((r) => ({
    month: isoDate(r.month_start),
    category: String(r.category),
    netRevenue: Number(r.net_revenue),
  }));
}

function rank(category: string): number {
  const i = categoryOrder.indexOf(category);
  return i < 0 ? categoryOrder.length : i;
}

export function formatLine(kind: ScorecardLine['kind'], value: number | null, average = false): string {
  if (value === null) return '—';
  if (kind === 'money') return formatMoney(value);
  if (kind === 'share') return formatPercent(value);
  return average && !Number.isInteger(value) ? formatDecimal(value) : formatInteger(value);
}

const weekLabel = (start: string) => {
  const end = new Date(`${start}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 6);
  return `${dayLabel(start)}–${dayLabel(end.toISOString().slice(0, 10))}`;
};

/** `metrics/marketing_weekly` for the scorecard's weeks: Meta ad spend, new paying customers, blended CAC. */
export async function loadMarketing(ctx: ReportContext, weeks: string[]): Promise<ScorecardLine[]> {
  if (!(await hasTable(ctx.db, 'marketing_weekly'))) return [];
  const rows = new Map(
    (await ctx.db.query('select * from marketing_weekly')).map((r) => [isoDate(r.week_start), r]),
  );
  const series = (column: string) => weeks.map((w) => Number(rows.get(w)?.[column] ?? 0));
  const total = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const spend = series('spend_cents').map((c) => c / 100);
  const customers = series('new_paying_customers');
  return [
    { metric: 'ad_spend', label: 'Meta ad spend', kind: 'money', weeks: spend, average: total(spend) / 4 },
    {
      metric: 'new_paying_customers',
      label: 'New paying customers',
      kind: 'count',
      weeks: customers,
      average: total(customers) / 4,
    },
    {
      metric: 'blended_cac',
      label: 'Blended CAC',
      kind: 'money',
      weeks: weeks.map((_, i) => (spend[i]! > 0 ? ratio(spend[i]!, customers[i]!) : null)),
      average: total(spend) > 0 ? ratio(total(spend), total(customers)) : null,
    },
  ];
}

async function render(ctx: ReportContext): Promise<string> {
  const card = await loadScorecard(ctx);
  const marketing = await loadMarketing(ctx, card.weeks);
  const monthly = await loadMonthlyRevenue(ctx);
  const months = [...new Set(monthly.map((m) => m.month))].sort();
  const monthTotals = months.map((month) => ({
    month,
    total: monthly.filter((m) => m.month === month).reduce((n, m) => n + m.netRevenue, 0),
  }));
  const monthlyCategories = [...new Set(monthly.map((m) => m.category))].sort((a, b) => rank(a) - rank(b));
  const columns: Column<ScorecardLine>[] = [
    { header: 'Metric', cell: (l) => l.label },
    ...card.weeks.map(
      (w, i): Column<ScorecardLine> => ({
        header: weekLabel(w),
        numeric: true,
        cell: (l) => formatLine(l.kind, l.weeks[i]!),
        key: (l) => `${l.metric}|${w}`,
      }),
    ),
    {
      header: '4-week average',
      numeric: true,
      cell: (l) => formatLine(l.kind, l.average, true),
      key: (l) => `${l.metric}|average`,
    },
  ];
  const money = card.lines.filter((l) => l.kind === 'money' && !l.total);
  const people = card.lines.filter((l) => l.kind !== 'money');
  const revenueRows = money.flatMap((l) =>
    card.weeks.map((w, i) => ({ week: weekLabel(w), category: l.label, amount: l.weeks[i]! })),
  );
  const checkinRows = ['member_checkins', 'non_member_checkins'].flatMap((m) => {
    const l = card.lines.find((x) => x.metric === m)!;
    return card.weeks.map((w, i) => ({ week: weekLabel(w), who: l.label, checkins: l.weeks[i]! }));
  });
  const weekDomain = card.weeks.map(weekLabel);
  const body = html`
<h2>Scorecard</h2>
${table('scorecard', columns, [...money, card.lines.find((l) => l.metric === 'revenue_total')!, ...people], (l) => l.total === true)}
<h2>Marketing</h2>
${marketing.length > 0 ? table('scorecard-marketing', columns, marketing) : html`<p>No ad spend in the lake: the facebook_ads source is not configured or has not run.</p>`}
<h2>Net revenue by category</h2>
${chart('revenue-by-category', {
  marginLeft: 70,
  width: 900,
  height: 320,
  x: { domain: weekDomain, label: null },
  y: { label: 'Net revenue ($)', grid: true, tickFormat: '~s' },
  color: {
    legend: true,
    domain: money.map((l) => l.label),
    range: money.map((l) => colourOf(l.metric.slice('revenue:'.length))),
  },
  marks: [
    Plot.barY(revenueRows, {
      x: 'week',
      y: 'amount',
      fill: 'category',
      title: (d: { category: string; week: string; amount: number }) =>
        `${d.category}, ${d.week}: ${formatMoney(d.amount)}`,
    }),
    Plot.ruleY([0]),
  ],
})}
<h2>Net revenue by month: the last 12 complete months</h2>
${chart('revenue-by-month', {
  marginLeft: 70,
  width: 900,
  height: 320,
  x: { domain: months.map(monthLabel), label: null, tickRotate: -30 },
  marginBottom: 45,
  y: { label: 'Net revenue ($)', grid: true, tickFormat: '~s' },
  color: {
    legend: true,
    domain: monthlyCategories.map((c) => categoryLabels[c] ?? c),
    range: monthlyCategories.map(colourOf),
  },
  marks: [
    Plot.barY(monthly, {
      x: (m: MonthRevenue) => monthLabel(m.month),
      y: 'netRevenue',
      fill: (m: MonthRevenue) => categoryLabels[m.category] ?? m.category,
      order: monthlyCategories.map((c) => categoryLabels[c] ?? c),
      title: (m: MonthRevenue) =>
        `${categoryLabels[m.category] ?? m.category}, ${monthLabel(m.month)}: ${formatMoney(m.netRevenue)}`,
    }),
    Plot.ruleY([0]),
  ],
})}
${table(
  'monthly-revenue',
  [
    { header: 'Month', cell: (m) => monthLabel(m.month) },
    {
      header: 'Net revenue',
      numeric: true,
      cell: (m) => formatMoney(m.total),
      key: (m) => `${m.month}|total`,
    },
  ],
  monthTotals,
)}
<h2>Check-ins: members and non-members, judged at the check-in date</h2>
${chart('checkins', {
  marginLeft: 60,
  width: 900,
  height: 280,
  fx: { domain: weekDomain, label: null },
  x: { axis: null, domain: ['Member check-ins', 'Non-member check-ins'] },
  y: { label: 'Check-ins', grid: true },
  color: {
    legend: true,
    domain: ['Member check-ins', 'Non-member check-ins'],
    range: ['#2563eb', '#f59e0b'],
  },
  marks: [
    Plot.barY(checkinRows, {
      fx: 'week',
      x: 'who',
      y: 'checkins',
      fill: 'who',
      title: (d: { who: string; week: string; checkins: number }) =>
        `${d.who}, ${d.week}: ${formatInteger(d.checkins)}`,
    }),
    Plot.ruleY([0]),
  ],
})}`;
  return page({
    title: 'Weekly scorecard',
    subtitle: subtitle(ctx),
    definitions: [
      'The last 4 complete Monday–Sunday weeks in the gym’s time zone, and their average; a week still in progress is never shown.',
      'Net revenue = Stripe and Square sales minus refunds, a refund counted on its own date in its sale’s category; the monthly chart shows complete months only, so the month in progress never reads as a drop. Day passes = passes sold (a sale of 3 passes counts 3).',
      'New members = people whose first-ever membership starts in the week. Attrition = people whose membership ends in the week with no other membership covering that day. Memberships exclude 2-week passes and team dues; everything is counted per person, not per record.',
      'Member check-ins are by people on a membership on the day of the check-in (not today); all others are non-member check-ins. New visitors = people whose first-ever check-in is in the week.',
      'Second-visit rate = of the people whose first visit was 4 weeks earlier, the share who came back on another day within 28 days of it (the average pools the four weeks).',
      'Marketing: Meta ad spend as Meta reports it; new paying customers = people whose first payment from any source falls in the week; blended CAC = spend / new paying customers, whatever brought them (the average pools the four weeks). Per-campaign ROAS and promo-code CAC are on the Ads page.',
    ],
    body,
  });
}

export const scorecard: ReportDefinition = {
  file: 'scorecard.html',
  title: 'Weekly scorecard',
  summary:
    'the last 4 complete weeks: revenue by category, day passes, new members, attrition, visits; revenue by complete month',
  render,
};

if (isMain(import.meta.url)) await runNotebook(scorecard);
