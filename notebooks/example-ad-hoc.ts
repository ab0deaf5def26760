/**
 * An ad-hoc analysis to copy when you start your own: check-ins by weekday over the last 8 complete
 * weeks, by how people got in. It uses each notebook helper once: a query, a chart, a table and a
 * filter (README, "Write your own notebook").
 *
 *   npx tsx notebooks/example-ad-hoc.ts --sandbox   # writes data/reports/example-ad-hoc.html
 *   npm run reports:dev -- --sandbox                # live preview: http://127.0.0.1:3030/example-ad-hoc.html
 */
import * as Plot from '@observablehq/plot';
import { chart } from './lib/charts.ts';
import { isMain, runNotebook } from './lib/cli.ts';
import type { ReportContext } from './lib/context.ts';
import { formatInteger, html } from './lib/format.ts';
import { page } from './lib/page.ts';
import { type ReportDefinition, subtitle } from './lib/report.ts';
import { segmented } from './lib/segments.ts';
import { type Column, table } from './lib/table.ts';

// 1. A query. Every lake table is a view named after it (core/customer_events is customer_events);
// values go in as $parameters, never into the SQL text. A query worth keeping moves to
// queries/metrics/reports/<name>.sql and runs with metric(ctx, '<name>').
const checkinsByWeekday = `
  select
    isodow(event_local_date) as day_number,
    dayname(event_local_date) as weekday,
    case
      when event_details->>'entry_method' = 'MEM' then 'Membership'
      when (event_details->>'is_day_pass')::boolean then 'Day pass'
      else 'Guest, free or event'
    end as entry,
    count(*)::integer as checkins,
    count(distinct customer_id)::integer as people
  from customer_events
  where event_type = 'checkin'
    and event_local_date >= $as_of::date - 56
    and event_local_date < $as_of::date
  group by all
  order by day_number, entry`;

interface WeekdayEntry {
  dayNumber: number;
  weekday: string;
  entry: string;
  checkins: number;
  people: number;
}

async function render(ctx: ReportContext): Promise<string> {
  const rows: WeekdayEntry[] = (await ctx.db.query(checkinsByWeekday, { as_of: ctx.asOf })).map((r) => ({
    dayNumber: Number(r.day_number),
    weekday: String(r.weekday),
    entry: String(r.entry),
    checkins: Number(r.checkins),
    people: Number(r.people),
  }));
  const weekdays = [...new Set(rows.map((r) => r.weekday))];
  const entries = [...new Set(rows.map((r) => r.entry))].sort();

  // 2. A table: sortable by any column, with a text filter and a CSV download in the page.
  // `value` is what a column sorts by and what the CSV holds; `filter` adds a select of its values.
  const columns: Column<WeekdayEntry>[] = [
    { header: 'Weekday', cell: (r) => r.weekday },
    { header: 'Entry', cell: (r) => r.entry, filter: true },
    { header: 'Check-ins', numeric: true, cell: (r) => formatInteger(r.checkins), value: (r) => r.checkins },
    { header: 'People', numeric: true, cell: (r) => formatInteger(r.people), value: (r) => r.people },
  ];

  // 4. A filter: the section is drawn for every choice in advance, and the select shows the chosen one.
  const byEntry = await segmented(
    'entry',
    [
      {
        key: 'entry',
        label: 'Entry',
        choices: [{ value: 'all', label: 'Every entry' }, ...entries.map((e) => ({ value: e, label: e }))],
      },
    ],
    ({ entry }) => {
      const chosen = rows.filter((r) => entry === 'all' || r.entry === entry);
      // 3. A chart: Observable Plot, drawn in Node as SVG; `title` is what hovering a bar shows.
      return html`
${chart('checkins-by-weekday', {
  width: 900,
  height: 320,
  marginLeft: 60,
  x: { domain: weekdays, label: null },
  y: { label: 'Check-ins (8 weeks)', grid: true },
  color: { legend: true, domain: entries },
  marks: [
    Plot.barY(chosen, {
      x: 'weekday',
      y: 'checkins',
      fill: 'entry',
      title: (r: WeekdayEntry) => `${r.weekday}, ${r.entry}: ${formatInteger(r.checkins)} check-ins`,
    }),
    Plot.ruleY([0]),
  ],
})}
${table('checkins-by-weekday', columns, chosen)}`;
    },
  );

  return page({
    title: 'Check-ins by weekday',
    subtitle: subtitle(ctx),
    definitions: [
      'Check-ins on each weekday over the 8 complete weeks before the refresh day, by how people got in: on a membership, on a day pass (or punch pass), or as a guest, free or at an event. People = distinct customers.',
    ],
    body: html`<h2>The last 8 weeks</h2>${byEntry}`,
  });
}

export const exampleAdHoc: ReportDefinition = {
  file: 'example-ad-hoc.html',
  title: 'Check-ins by weekday',
  summary: 'an example notebook to copy: check-ins by weekday and entry over the last 8 weeks',
  render,
};

if (isMain(import.meta.url)) await runNotebook(exampleAdHoc);
