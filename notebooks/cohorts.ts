/** Membership cohort retention: per person, by the month of their first membership. */
import * as Plot from '@observablehq/plot';
import { chart } from './lib/charts.ts';
import { isMain, runNotebook } from './lib/cli.ts';
import { metric, type ReportContext } from './lib/context.ts';
import { formatInteger, formatPercent, type Html, html, isoDate, monthLabel, ratio } from './lib/format.ts';
import { page } from './lib/page.ts';
import { type ReportDefinition, subtitle } from './lib/report.ts';
import { type Dimension, segmented } from './lib/segments.ts';
import { type Column, table } from './lib/table.ts';

export interface Cohort {
  month: string;
  size: number;
  stillMembers: number;
  /** Members retained at M1…M12; null where the month has not been reached by all of the cohort. */
  retained: (number | null)[];
}

/** A segment of the cohorts; `all` where it is not split. */
export interface CohortSegment {
  firstProduct: 'all' | 'day_pass' | 'class' | 'two_week_pass' | 'membership';
  usedPromo: 'all' | 'yes' | 'no';
}

const MONTHS = 12;
const everyone: CohortSegment = { firstProduct: 'all', usedPromo: 'all' };
const segmentKey = (s: CohortSegment) => `${s.firstProduct}|${s.usedPromo}`;

const dimensions: Dimension[] = [
  {
    key: 'first',
    label: 'First product',
    choices: [
      { value: 'all', label: 'Any' },
      { value: 'day_pass', label: 'Day pass' },
      { value: 'class', label: 'Class' },
      { value: 'two_week_pass', label: '2-week pass' },
      { value: 'membership', label: 'Membership' },
    ],
  },
  {
    key: 'promo',
    label: 'Promo code',
    choices: [
      { value: 'all', label: 'Either' },
      { value: 'yes', label: 'Used one' },
      { value: 'no', label: 'Never used one' },
    ],
  },
];

/** `metrics/reports/membership_cohorts`: every segment's cohorts, keyed `first_product|used_promo`. */
export async function loadCohortSegments(ctx: ReportContext): Promise<Map<string, Cohort[]>> {
  const rows = await metric(ctx, 'membership_cohorts');
  const segments = new Map<string, Map<string, Cohort>>();
  for (const row of rows) {
    const key = `${row.first_product}|${row.used_promo}`;
    const cohorts = segments.get(key) ?? new Map<string, Cohort>();
    segments.set(key, cohorts);
    const month = isoDate(row.cohort_month);
    let cohort = cohorts.get(month);
    if (!cohort) {
      cohort = {
        month,
        size: Number(row.cohort_size),
        stillMembers: Number(row.still_members),
        retained: Array.from({ length: MONTHS }, () => null),
      };
      cohorts.set(month, cohort);
    }
    if (row.months_after !== null) cohort.retained[Number(row.months_after) - 1] = Number(row.retained);
  }
  return new Map(
    [...segments].map(([key, cohorts]) => [
      key,
      [...cohorts.values()].sort((a, b) => a.month.localeCompare(b.month)),
    ]),
  );
}

/** One segment's cohorts (default: everyone), oldest first. */
export async function loadCohorts(ctx: ReportContext, segment: CohortSegment = everyone): Promise<Cohort[]> {
  return (await loadCohortSegments(ctx)).get(segmentKey(segment)) ?? [];
}

function cohortSection(cohorts: Cohort[], cohortDomain: string[]): Html {
  const cells = cohorts.flatMap((c) =>
    c.retained.flatMap((n, i) =>
      n === null
        ? []
        : [{ cohort: monthLabel(c.month), month: `M${i + 1}`, share: n / c.size, retained: n, size: c.size }],
    ),
  );
  const monthDomain = Array.from({ length: MONTHS }, (_, i) => `M${i + 1}`);
  type Cell = (typeof cells)[number];
  const columns: Column<Cohort>[] = [
    { header: 'Cohort', cell: (c) => monthLabel(c.month), value: (c) => c.month },
    {
      header: 'People',
      numeric: true,
      cell: (c) => formatInteger(c.size),
      value: (c) => c.size,
      key: (c) => `${c.month}|size`,
    },
    ...monthDomain.map(
      (m, i): Column<Cohort> => ({
        header: m,
        numeric: true,
        cell: (c) => (c.retained[i] === null ? '' : formatPercent(ratio(c.retained[i]!, c.size))),
        value: (c) => (c.retained[i] === null ? null : ratio(c.retained[i]!, c.size)),
        key: (c) => `${c.month}|M${i + 1}`,
        title: (c) =>
          c.retained[i] === null
            ? 'not reached yet'
            : `${formatInteger(c.retained[i]!)} of ${formatInteger(c.size)}`,
      }),
    ),
    {
      header: 'Still active',
      numeric: true,
      cell: (c) => formatPercent(ratio(c.stillMembers, c.size)),
      value: (c) => ratio(c.stillMembers, c.size),
      key: (c) => `${c.month}|still`,
      title: (c) => `${formatInteger(c.stillMembers)} of ${formatInteger(c.size)}`,
    },
  ];
  const people = cohorts.reduce((n, c) => n + c.size, 0);
  const still = cohorts.reduce((n, c) => n + c.stillMembers, 0);
  return html`
<p class="note" data-segment-people="${people}">${formatInteger(people)} people in ${formatInteger(cohorts.length)} cohorts; ${formatInteger(still)} (${formatPercent(ratio(still, people))}) still on a membership.</p>
${chart('retention-heatmap', {
  width: 900,
  height: 70 + cohortDomain.length * 26,
  marginLeft: 80,
  marginTop: 50,
  padding: 0.05,
  x: { domain: monthDomain, label: 'Months since first membership', axis: 'top' },
  y: { domain: cohortDomain, label: null },
  color: {
    type: 'quantize',
    n: 5,
    domain: [0, 1],
    scheme: 'blues',
    legend: true,
    label: 'Share of cohort still a member',
    tickFormat: '.0%',
  },
  marks: [
    Plot.cell(cells, {
      x: 'month',
      y: 'cohort',
      fill: 'share',
      title: (d: Cell) =>
        `${d.cohort} cohort, ${d.month}: ${formatPercent(d.share)} (${formatInteger(d.retained)} of ${formatInteger(d.size)})`,
    }),
    Plot.text(cells, {
      x: 'month',
      y: 'cohort',
      text: (d: Cell) => `${Math.round(d.share * 100)}%`,
      fill: (d: Cell) => (d.share >= 0.6 ? 'white' : 'black'),
      fontSize: 11,
    }),
  ],
})}
${table('cohorts', columns, cohorts)}
<h3>Cohort size and still active</h3>
${chart('cohort-sizes', {
  width: 900,
  height: 300,
  marginLeft: 50,
  marginBottom: 50,
  x: { domain: cohorts.map((c) => monthLabel(c.month)), label: null, tickRotate: -35 },
  y: { label: 'People', grid: true },
  color: { legend: true, domain: ['Cohort size', 'Still active'], range: ['#93c5fd', '#1d4ed8'] },
  marks: [
    // Still active is part of the cohort: drawn over its cohort's bar, narrower.
    Plot.barY(cohorts, {
      x: (c: Cohort) => monthLabel(c.month),
      y: 'size',
      fill: () => 'Cohort size',
      title: (c: Cohort) => `${monthLabel(c.month)}: cohort size ${formatInteger(c.size)}`,
    }),
    Plot.barY(cohorts, {
      x: (c: Cohort) => monthLabel(c.month),
      y: 'stillMembers',
      fill: () => 'Still active',
      inset: 6,
      title: (c: Cohort) =>
        `${monthLabel(c.month)}: still active ${formatInteger(c.stillMembers)} of ${formatInteger(c.size)} (${formatPercent(ratio(c.stillMembers, c.size))})`,
    }),
    Plot.ruleY([0]),
  ],
})}`;
}

async function render(ctx: ReportContext): Promise<string> {
  const segments = await loadCohortSegments(ctx);
  const cohortDomain = (segments.get(segmentKey(everyone)) ?? []).map((c) => monthLabel(c.month));
  const body = html`
<h2>Retention heatmap</h2>
${await segmented('cohorts', dimensions, (selection) => {
  const cohorts = segments.get(`${selection.first}|${selection.promo}`);
  return cohorts && cohorts.length > 0 ? cohortSection(cohorts, cohortDomain) : null;
})}`;
  return page({
    title: 'Membership cohort retention',
    subtitle: subtitle(ctx),
    definitions: [
      'Cohort = the month of a person’s first-ever membership start (2-week passes and team dues are not memberships), counted per person, not per membership record.',
      'Mk = share of the cohort on a membership (any plan) k months after their own start date; people who left and came back count again once back. A cell stays empty until every member of the cohort has reached that month.',
      'Still active = share of the cohort on a membership on the last complete day. Only complete months are cohorts: the month in progress is left out, and so are months before the last 18.',
      'First product = what the person had first, up to the day they joined: a day pass (a check-in on one), a class (a class or fitness class bought), a 2-week pass, or the membership itself; on one day, in that order. Promo code = whether a purchase of theirs carried a promo code by that day. Segments are drawn in advance for every choice; a segment with no one in it says so.',
    ],
    body,
  });
}

export const cohorts: ReportDefinition = {
  file: 'cohorts.html',
  title: 'Membership cohort retention',
  summary:
    'per-person retention M1–M12 by first-membership month, cohort sizes and still active; by first product and promo-code use',
  render,
};

if (isMain(import.meta.url)) await runNotebook(cohorts);
