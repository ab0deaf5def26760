/**
 * Audiences: each audience's size over time, entries and exits per day, experiment groups and the
 * holdout, and the last Mailchimp sync's status and failures.
 *
 *   npx tsx notebooks/audiences.ts --sandbox   # writes data/reports/audiences.html
 */
import * as Plot from '@observablehq/plot';
import { chart } from './lib/charts.ts';
import { isMain, runNotebook } from './lib/cli.ts';
import { hasTable, metric, type ReportContext } from './lib/context.ts';
import { formatInteger, formatPercent, html, isoDate } from './lib/format.ts';
import { notYetComputed, page } from './lib/page.ts';
import { type ReportDefinition, subtitle } from './lib/report.ts';
import { type Column, table } from './lib/table.ts';

interface DayChange {
  day: string;
  audience: string;
  entered: number;
  exited: number;
  size: number;
}

interface Current {
  audience: string;
  members: number;
  groupA: number;
  groupB: number;
  holdout: number;
  tagged: number;
}

interface ExperimentArm {
  audience: string;
  arm: string;
  entrants: number;
  converted: number;
  rate: number | null;
  lift: number | null;
}

interface SyncRow {
  audience: string;
  startedAt: string;
  status: string;
  mode: string;
  adds: number;
  removes: number;
  sent: number;
  failed: number;
  skipped: string;
  failures: string;
}

async function render(ctx: ReportContext): Promise<string> {
  if (!(await hasTable(ctx.db, 'audience_history')))
    return page({
      title: 'Audiences',
      subtitle: subtitle(ctx),
      definitions: [],
      body: notYetComputed('state/audience_history', 'the audiences and their entries and exits'),
    });
  const changes: DayChange[] = (
    await ctx.db.query(
      `with days as (
         select audience, changed_on,
                count(*) filter (where change = 'entered')::integer as entered,
                count(*) filter (where change = 'exited')::integer as exited
         from audience_history group by all
       )
       select changed_on::varchar as day, audience, entered, exited,
              sum(entered - exited) over (partition by audience order by changed_on)::integer as size
       from days order by audience, changed_on`,
    )
  ).map((r) => ({
    day: isoDate(r.day),
    audience: String(r.audience),
    entered: Number(r.entered),
    exited: Number(r.exited),
    size: Number(r.size),
  }));
  const current: Current[] = (
    await ctx.db.query(
      `select audience, count(*)::integer as members,
              count(*) filter (where ab_group = 'A' and not holdout)::integer as group_a,
              count(*) filter (where ab_group = 'B' and not holdout)::integer as group_b,
              count(*) filter (where holdout)::integer as holdout,
              count(tag)::integer as tagged
       from audience_members group by audience order by audience`,
    )
  ).map((r) => ({
    audience: String(r.audience),
    members: Number(r.members),
    groupA: Number(r.group_a),
    groupB: Number(r.group_b),
    holdout: Number(r.holdout),
    tagged: Number(r.tagged),
  }));
  const arms: ExperimentArm[] = (await metric(ctx, 'experiment_conversion')).map((r) => ({
    audience: String(r.audience),
    arm: String(r.arm),
    entrants: Number(r.entrants),
    converted: Number(r.converted),
    rate: r.conversion_rate === null ? null : Number(r.conversion_rate),
    lift: r.lift_points === null ? null : Number(r.lift_points),
  }));
  const syncs: SyncRow[] = (await hasTable(ctx.db, 'sync_runs'))
    ? (
        await ctx.db.query(
          `select * from sync_runs
           qualify started_at = max(started_at) over ()
           order by audience`,
        )
      ).map((r) => ({
        audience: String(r.audience),
        startedAt: String(r.started_at),
        status: String(r.status),
        mode: String(r.mode),
        adds: Number(r.planned_adds),
        removes: Number(r.planned_removes),
        sent: Number(r.sent),
        failed: Number(r.failed),
        skipped: String(r.skipped),
        failures: String(r.failures),
      }))
    : [];

  const currentColumns: Column<Current>[] = [
    { header: 'Audience', cell: (r) => r.audience, key: (r) => `${r.audience}|audience` },
    {
      header: 'Members',
      numeric: true,
      cell: (r) => formatInteger(r.members),
      value: (r) => r.members,
      key: (r) => `${r.audience}|members`,
    },
    {
      header: 'Group A',
      numeric: true,
      cell: (r) => formatInteger(r.groupA),
      value: (r) => r.groupA,
      key: (r) => `${r.audience}|groupa`,
    },
    {
      header: 'Group B',
      numeric: true,
      cell: (r) => formatInteger(r.groupB),
      value: (r) => r.groupB,
      key: (r) => `${r.audience}|groupb`,
    },
    {
      header: 'Holdout',
      numeric: true,
      cell: (r) => formatInteger(r.holdout),
      value: (r) => r.holdout,
      key: (r) => `${r.audience}|holdout`,
    },
    {
      header: 'Tagged',
      numeric: true,
      cell: (r) => formatInteger(r.tagged),
      value: (r) => r.tagged,
      key: (r) => `${r.audience}|tagged`,
    },
  ];
  const changeColumns: Column<DayChange>[] = [
    { header: 'Day', cell: (r) => r.day },
    { header: 'Audience', cell: (r) => r.audience, filter: true },
    { header: 'Entered', numeric: true, cell: (r) => formatInteger(r.entered), value: (r) => r.entered },
    { header: 'Exited', numeric: true, cell: (r) => formatInteger(r.exited), value: (r) => r.exited },
    { header: 'Size', numeric: true, cell: (r) => formatInteger(r.size), value: (r) => r.size },
  ];
  const armColumns: Column<ExperimentArm>[] = [
    { header: 'Audience', cell: (r) => r.audience, key: (r) => `${r.audience}|${r.arm}|audience` },
    { header: 'Arm', cell: (r) => r.arm, key: (r) => `${r.audience}|${r.arm}|arm` },
    {
      header: 'Entrants',
      numeric: true,
      cell: (r) => formatInteger(r.entrants),
      value: (r) => r.entrants,
      key: (r) => `${r.audience}|${r.arm}|entrants`,
    },
    {
      header: 'Converted',
      numeric: true,
      cell: (r) => formatInteger(r.converted),
      value: (r) => r.converted,
      key: (r) => `${r.audience}|${r.arm}|converted`,
    },
    { header: 'Conversion', numeric: true, cell: (r) => formatPercent(r.rate), value: (r) => r.rate },
    {
      header: 'Lift vs holdout (pts)',
      numeric: true,
      cell: (r) => (r.lift === null ? '—' : r.lift.toFixed(1)),
      value: (r) => r.lift,
    },
  ];
  const syncColumns: Column<SyncRow>[] = [
    { header: 'Audience', cell: (r) => r.audience },
    { header: 'Status', cell: (r) => r.status },
    { header: 'Mode', cell: (r) => r.mode },
    { header: 'Adds', numeric: true, cell: (r) => formatInteger(r.adds), value: (r) => r.adds },
    { header: 'Removes', numeric: true, cell: (r) => formatInteger(r.removes), value: (r) => r.removes },
    { header: 'Sent', numeric: true, cell: (r) => formatInteger(r.sent), value: (r) => r.sent },
    { header: 'Failed', numeric: true, cell: (r) => formatInteger(r.failed), value: (r) => r.failed },
    { header: 'Skipped', cell: (r) => r.skipped },
  ];
  const failures = syncs[0]?.failures && syncs[0].failures !== '[]' ? syncs[0].failures : 'none';

  return page({
    title: 'Audiences',
    subtitle: subtitle(ctx),
    definitions: [
      'An audience is a file queries/audiences/<name>.sql (a query) or <name>.json (a rule’s open flag), computed by the daily run at its day. Size over time is the running count of entries less exits in state/audience_history.',
      'Groups A and B are an experiment’s variants, each with its own Mailchimp tag; the holdout receives nothing and is the baseline conversion is measured against. Tagged = members who get a tag (not held out, and not an export-only audience).',
      `Experiments: each arm's entrants (first entry into the audience) and how many bought (a day pass or a membership, 2-week passes included) within ${ctx.windowDays} days after entering; lift is the arm's conversion less the holdout's, in percentage points.`,
      'The last sync: per audience, the tag changes planned, sent and failed, and the customers skipped by reason (no email, no list member, unsubscribed, cleaned).',
    ],
    body: html`<h2>Now</h2>${table('audiences-now', currentColumns, current)}
<h2>Size over time</h2>
${chart('audience-sizes', {
  width: 900,
  height: 320,
  marginLeft: 60,
  x: { type: 'band', label: null, tickFormat: (d: string) => d.slice(5) },
  y: { label: 'Members', grid: true },
  color: { legend: true, type: 'ordinal' },
  marks: [
    Plot.lineY(changes, {
      x: 'day',
      y: 'size',
      stroke: 'audience',
      z: 'audience',
      title: (r: DayChange) => `${r.audience} ${r.day}: ${formatInteger(r.size)}`,
    }),
    Plot.dot(changes, {
      x: 'day',
      y: 'size',
      fill: 'audience',
      r: 2,
      title: (r: DayChange) => `${r.audience} ${r.day}: ${formatInteger(r.size)}`,
    }),
  ],
})}
<h2>Experiments: conversion against the holdout</h2>
${arms.length > 0 ? table('audience-experiments', armColumns, arms) : html`<p>No experiment member has entered an audience yet.</p>`}
<h2>Entries and exits per day</h2>${table('audience-changes', changeColumns, changes)}
<h2>Last Mailchimp sync${syncs[0] ? html` (${syncs[0].startedAt})` : ''}</h2>
${syncs.length > 0 ? table('audience-sync', syncColumns, syncs) : html`<p>No sync yet: run <code>audiences sync --apply</code> or set BASIN_SYNC_MAILCHIMP=1.</p>`}
<p>Failed members: <code>${failures}</code></p>`,
  });
}

export const audiences: ReportDefinition = {
  file: 'audiences.html',
  title: 'Audiences',
  summary: 'audience sizes, entries and exits, experiment groups and holdout, the last Mailchimp sync',
  render,
};

if (isMain(import.meta.url)) await runNotebook(audiences);
