/** Conversion funnels with a window: first visit → second visit → membership; day pass → 2-week pass → membership. */
import * as Plot from '@observablehq/plot';
import { chart } from './lib/charts.ts';
import { isMain, runNotebook } from './lib/cli.ts';
import { metric, type ReportContext } from './lib/context.ts';
import { formatInteger, formatPercent, html, isoDate, monthLabel, ratio } from './lib/format.ts';
import { page } from './lib/page.ts';
import { type ReportDefinition, subtitle } from './lib/report.ts';
import { type Dimension, type Selection, segmented } from './lib/segments.ts';
import { type Column, table } from './lib/table.ts';

export interface VisitCohort {
  month: string;
  firstVisitors: number;
  secondVisitors: number;
  members: number;
}

export interface PassCohort {
  month: string;
  dayPassVisitors: number;
  twoWeekPasses: number;
  passMembers: number;
  directMembers: number;
}

export async function loadVisitFunnel(ctx: ReportContext): Promise<VisitCohort[]> {
  return (await metric(ctx, 'visit_funnel')).map((r) => ({
    month: isoDate(r.cohort_month),
    firstVisitors: Number(r.first_visitors),
    secondVisitors: Number(r.second_visitors),
    members: Number(r.members),
  }));
}

export async function loadPassFunnel(ctx: ReportContext): Promise<PassCohort[]> {
  return (await metric(ctx, 'pass_funnel')).map((r) => ({
    month: isoDate(r.cohort_month),
    dayPassVisitors: Number(r.day_pass_visitors),
    twoWeekPasses: Number(r.two_week_passes),
    passMembers: Number(r.pass_members),
    directMembers: Number(r.direct_members),
  }));
}

const count = <T>(
  header: string,
  name: string,
  get: (row: T) => number,
  month: (row: T) => string,
): Column<T> => ({
  header,
  numeric: true,
  cell: (r) => formatInteger(get(r)),
  value: get,
  key: (r) => `${month(r)}|${name}`,
});

const share = <T>(
  header: string,
  name: string,
  part: (row: T) => number,
  whole: (row: T) => number,
  month: (row: T) => string,
): Column<T> => ({
  header,
  numeric: true,
  cell: (r) => formatPercent(ratio(part(r), whole(r))),
  value: (r) => ratio(part(r), whole(r)),
  key: (r) => `${month(r)}|${name}`,
  title: (r) => `${formatInteger(part(r))} of ${formatInteger(whole(r))}`,
});

const monthColumn = <T extends { month: string }>(): Column<T> => ({
  header: 'Month',
  cell: (r) => monthLabel(r.month),
  value: (r) => r.month,
});

function sum<T>(rows: T[], get: (row: T) => number): number {
  return rows.reduce((n, r) => n + get(r), 0);
}

interface Stage {
  stage: string;
  people: number;
  /** The stage this one is a share of (the one before it, unless said otherwise). */
  of: { stage: string; people: number } | null;
}

/** A funnel's stages as horizontal bars, each labelled with its count and its share of the stage it follows. */
function stageBars(id: string, stages: Stage[], look: { height: number; marginLeft: number; fill: string }) {
  const label = (d: Stage) =>
    d.of
      ? `${formatInteger(d.people)} (${formatPercent(ratio(d.people, d.of.people))})`
      : formatInteger(d.people);
  return chart(id, {
    width: 900,
    height: look.height,
    marginLeft: look.marginLeft,
    marginRight: 90,
    x: { label: 'People', grid: true },
    y: { domain: stages.map((s) => s.stage), label: null },
    marks: [
      Plot.barX(stages, {
        x: 'people',
        y: 'stage',
        fill: look.fill,
        title: (d: Stage) =>
          `${d.stage}: ${formatInteger(d.people)} people${d.of ? `, ${formatPercent(ratio(d.people, d.of.people))} of ${d.of.stage.toLowerCase()} (${formatInteger(d.of.people)})` : ''}`,
      }),
      Plot.text(stages, { x: 'people', y: 'stage', text: label, dx: 4, textAnchor: 'start' }),
      Plot.ruleX([0]),
    ],
  });
}

function visitStages(rows: VisitCohort[], w: number): Stage[] {
  const first = { stage: 'First visit', people: sum(rows, (r) => r.firstVisitors) };
  const second = { stage: `Second visit ≤ ${w} d`, people: sum(rows, (r) => r.secondVisitors) };
  const members = { stage: `Member ≤ ${w} d`, people: sum(rows, (r) => r.members) };
  return [
    { ...first, of: null },
    { ...second, of: first },
    { ...members, of: first },
  ];
}

function passStages(rows: PassCohort[], w: number): Stage[] {
  const dayPass = { stage: 'First day-pass visit', people: sum(rows, (r) => r.dayPassVisitors) };
  const twoWeek = { stage: `2-week pass ≤ ${w} d`, people: sum(rows, (r) => r.twoWeekPasses) };
  const member = { stage: `Member ≤ ${w} d of the 2-week pass`, people: sum(rows, (r) => r.passMembers) };
  const direct = { stage: `Member ≤ ${w} d, any path`, people: sum(rows, (r) => r.directMembers) };
  return [
    { ...dayPass, of: null },
    { ...twoWeek, of: dayPass },
    { ...member, of: twoWeek },
    { ...direct, of: dayPass },
  ];
}

async function render(ctx: ReportContext): Promise<string> {
  const visits = await loadVisitFunnel(ctx);
  const passes = await loadPassFunnel(ctx);
  const w = ctx.windowDays;
  const vm = (r: VisitCohort) => r.month;
  const pm = (r: PassCohort) => r.month;
  const visitColumns: Column<VisitCohort>[] = [
    monthColumn(),
    count('First-time visitors', 'first', (r) => r.firstVisitors, vm),
    count(`Second visit ≤ ${w} d`, 'second', (r) => r.secondVisitors, vm),
    share(
      'Second-visit rate',
      'second_rate',
      (r) => r.secondVisitors,
      (r) => r.firstVisitors,
      vm,
    ),
    count(`Members ≤ ${w} d`, 'members', (r) => r.members, vm),
    share(
      'Conversion',
      'conversion',
      (r) => r.members,
      (r) => r.firstVisitors,
      vm,
    ),
  ];
  const passColumns: Column<PassCohort>[] = [
    monthColumn(),
    count('Day-pass visitors', 'day_pass', (r) => r.dayPassVisitors, pm),
    count('2-week pass', 'two_week', (r) => r.twoWeekPasses, pm),
    share(
      '→ 2-week',
      'two_week_rate',
      (r) => r.twoWeekPasses,
      (r) => r.dayPassVisitors,
      pm,
    ),
    count('Member after it', 'pass_members', (r) => r.passMembers, pm),
    share(
      '→ member',
      'pass_member_rate',
      (r) => r.passMembers,
      (r) => r.twoWeekPasses,
      pm,
    ),
    count('Member, any path', 'direct', (r) => r.directMembers, pm),
    share(
      'Day pass → member',
      'direct_rate',
      (r) => r.directMembers,
      (r) => r.dayPassVisitors,
      pm,
    ),
  ];
  const rates = visits.flatMap((r) => [
    {
      month: new Date(`${r.month}T00:00:00Z`),
      stage: 'Second visit',
      rate: r.secondVisitors / r.firstVisitors,
      n: r.secondVisitors,
      of: r.firstVisitors,
    },
    {
      month: new Date(`${r.month}T00:00:00Z`),
      stage: 'Membership',
      rate: r.members / r.firstVisitors,
      n: r.members,
      of: r.firstVisitors,
    },
  ]);
  type Rate = (typeof rates)[number];
  const months = [...new Set([...visits, ...passes].map((r) => r.month))].sort().reverse();
  const monthDimension: Dimension = {
    key: 'month',
    label: 'Month of first visit',
    choices: [
      { value: 'all', label: 'All complete months' },
      ...months.map((m) => ({ value: m, label: monthLabel(m) })),
    ],
  };
  const firstPassMonth = passes[0]?.month;
  const stagesFor = ({ month }: Selection) => {
    const v = visits.filter((r) => month === 'all' || r.month === month);
    const p = passes.filter((r) => month === 'all' || r.month === month);
    const pending = (what: string) => html`<p class="note">${what}</p>`;
    return html`
<h3>First visit → second visit → membership${month === 'all' ? '' : `, ${monthLabel(month!)}`}</h3>
${v.length > 0 ? stageBars('visit-funnel-stages', visitStages(v, w), { height: 170, marginLeft: 140, fill: '#2563eb' }) : pending('No complete first-visit cohort this month.')}
<h3>Day pass → 2-week pass → membership${month === 'all' ? '' : `, ${monthLabel(month!)}`}</h3>
${
  p.length > 0
    ? stageBars('pass-funnel-stages', passStages(p, w), { height: 200, marginLeft: 220, fill: '#16a34a' })
    : pending(
        firstPassMonth && month! < firstPassMonth
          ? `The 2-week pass was first sold in ${monthLabel(firstPassMonth)}: the day-pass funnel starts then.`
          : firstPassMonth
            ? 'This month’s day-pass cohort is not complete yet: its 2-week pass and membership windows have not all ended.'
            : 'No 2-week pass has been sold yet.',
      )
}`;
  };
  const body = html`
<h2>Funnel stages</h2>
${await segmented('funnel-month', [monthDimension], stagesFor)}
<h2>First visit → second visit → membership, by month</h2>
${chart('visit-funnel-rates', {
  width: 900,
  height: 300,
  marginLeft: 50,
  x: { label: 'First-visit month', type: 'utc' },
  y: { label: 'Share of first-time visitors', grid: true, tickFormat: '.0%' },
  color: { legend: true, domain: ['Second visit', 'Membership'], range: ['#f59e0b', '#2563eb'] },
  marks: [
    Plot.lineY(rates, { x: 'month', y: 'rate', stroke: 'stage', strokeWidth: 2 }),
    Plot.dot(rates, {
      x: 'month',
      y: 'rate',
      fill: 'stage',
      r: 3.5,
      title: (d: Rate) =>
        `${d.stage}, ${monthLabel(d.month.toISOString().slice(0, 10))}: ${formatPercent(d.rate)} (${formatInteger(d.n)} of ${formatInteger(d.of)})`,
    }),
    Plot.ruleY([0]),
  ],
})}
${table('visit-funnel', visitColumns, visits)}
<h2>Day pass → 2-week pass → membership, by month</h2>
${
  passes.length > 0
    ? table('pass-funnel', passColumns, passes)
    : html`<p class="note">No complete day-pass cohort since the 2-week pass was first sold.</p>`
}`;
  return page({
    title: 'Conversion funnels',
    subtitle: subtitle(ctx),
    definitions: [
      `Conversion = a person’s first membership start within ${w} days of their first visit, counted per person; second visit = a check-in on a later day within ${w} days of the first.`,
      `Day-pass funnel: people by the month of their first check-in on a day pass; 2-week pass = one starting within ${w} days of that visit; member = first membership within ${w} days of the 2-week pass (or of the day pass, for any path). It starts in the month the first 2-week pass was sold. Each stage’s bar gives its share of the stage it follows (any path: of the day-pass visitors).`,
      'People who were already members before their first visit are left out. Only complete cohorts: a month appears once it and every window in it have ended; the first month of history is left out because its “first” visits include everyone who came before it. Memberships exclude 2-week passes and team dues. The month selector re-draws the stages for one month’s cohort.',
    ],
    body,
  });
}

export const funnels: ReportDefinition = {
  file: 'funnels.html',
  title: 'Conversion funnels',
  summary: `first visit → second visit → membership, and day pass → 2-week pass → membership, by month`,
  render,
};

if (isMain(import.meta.url)) await runNotebook(funnels);
