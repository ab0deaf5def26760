/** Data quality: the checks' status and trend, identity confidence, coverage, freshness, rejected records. */
import * as Plot from '@observablehq/plot';
import type { Row } from '../src/sql/database.ts';
import { chart } from './lib/charts.ts';
import { isMain, runNotebook } from './lib/cli.ts';
import {
  type CurrentRun,
  hasTable,
  metric,
  type ReportContext,
  type SourceFreshness,
} from './lib/context.ts';
import { formatDecimal, formatInteger, formatPercent, type Html, html, ratio } from './lib/format.ts';
import { notYetComputed, page } from './lib/page.ts';
import { type ReportDefinition, subtitle } from './lib/report.ts';
import { type Column, table } from './lib/table.ts';

const timestamp = (value: unknown): string =>
  value instanceof Date
    ? `${value.toISOString().slice(0, 16).replace('T', ' ')} UTC`
    : value
      ? String(value)
      : '—';

/** `11-19 12:00`: short enough for an axis. */
const runLabel = (value: unknown): string => timestamp(value).slice(5, 16);

function hoursSince(then: Date | null, now: Date): string {
  if (!then) return '—';
  const hours = (now.getTime() - then.getTime()) / 3_600_000;
  return hours < 48 ? `${formatDecimal(hours)} h` : `${formatDecimal(hours / 24)} d`;
}

function samplePreview(sample: unknown): string {
  if (sample === null || sample === undefined) return '';
  const text = String(sample);
  try {
    return JSON.stringify(JSON.parse(text), null, 1).slice(0, 600);
  } catch {
    return text.slice(0, 600);
  }
}

export function freshnessTable(ctx: ReportContext): Html {
  const now = ctx.refreshedAt ?? new Date();
  const columns: Column<SourceFreshness>[] = [
    { header: 'Source', cell: (f) => f.source },
    { header: 'Streams', numeric: true, cell: (f) => formatInteger(f.streams) },
    {
      header: 'Raw records',
      numeric: true,
      cell: (f) => formatInteger(f.records),
      key: (f) => `${f.source}|records`,
    },
    { header: 'Last fetched', cell: (f) => timestamp(f.lastFetchedAt), key: (f) => `${f.source}|fetched` },
    { header: 'Behind the latest fetch', numeric: true, cell: (f) => hoursSince(f.lastFetchedAt, now) },
    { header: 'Data reaches', cell: (f) => timestamp(f.dataUntil) },
  ];
  if (ctx.freshness.length === 0)
    return html`<p class="pending">Nothing has been fetched into this lake yet.</p>`;
  return table('freshness', columns, ctx.freshness);
}

async function checksSection(ctx: ReportContext): Promise<Html> {
  if (!(await hasTable(ctx.db, 'quality_results')))
    return notYetComputed('state/quality_results', 'the status of every data-quality check and its trend');
  const latest = await metric(ctx, 'quality_latest');
  const trend = await metric(ctx, 'quality_trend');
  const failed = latest.filter((r) => r.status !== 'pass').length;
  const columns: Column<Row>[] = [
    {
      header: 'Check',
      cell: (r) =>
        html`<strong>${String(r.check_name)}</strong><br><span class="note">${String(r.description ?? '')}</span>`,
    },
    { header: 'Severity', cell: (r) => String(r.severity ?? '') },
    {
      header: 'Status',
      cell: (r) => html`<span class="${r.status === 'pass' ? 'pass' : 'fail'}">${String(r.status)}</span>`,
      key: (r) => `${r.check_name}|status`,
    },
    {
      header: 'Failing rows',
      numeric: true,
      cell: (r) => formatInteger(Number(r.failing_rows ?? 0)),
      key: (r) => `${r.check_name}|failing`,
    },
    { header: 'Threshold', numeric: true, cell: (r) => String(r.threshold ?? '') },
    {
      header: 'Sample of failing rows',
      cell: (r) => (r.status === 'pass' || !r.sample ? '' : html`<pre>${samplePreview(r.sample)}</pre>`),
    },
  ];
  const runs = [...new Set(trend.map((r) => runLabel(r.checked_at)))];
  return html`
<p>Latest run <code>${String(latest[0]?.run_id ?? '—')}</code> at ${timestamp(latest[0]?.checked_at)}: <strong>${formatInteger(latest.length - failed)} passed, ${formatInteger(failed)} failed</strong>.</p>
${table('checks', columns, latest)}
<h2>Checks over past runs</h2>
${chart('check-trend', {
  width: 900,
  height: 90 + 28 * new Set(trend.map((r) => r.check_name)).size,
  marginLeft: 220,
  marginBottom: 70,
  x: { domain: runs, label: 'Quality run (UTC)', tickRotate: -30 },
  y: { label: null },
  color: { type: 'ordinal', domain: ['pass', 'fail'], range: ['#86efac', '#ef4444'], legend: true },
  marks: [
    Plot.cell(trend, {
      x: (r: Row) => runLabel(r.checked_at),
      y: 'check_name',
      fill: 'status',
      inset: 1,
      title: (r: Row) =>
        `${r.check_name} at ${timestamp(r.checked_at)}: ${r.status} (${formatInteger(Number(r.failing_rows ?? 0))} failing rows)`,
    }),
  ],
})}`;
}

async function runsSection(ctx: ReportContext): Promise<Html> {
  if (!(await hasTable(ctx.db, 'daily_runs')))
    return notYetComputed('state/daily_runs', 'the history of daily runs');
  const runs = await metric(ctx, 'daily_run_history');
  const current = ctx.currentRun;
  const isCurrent = (r: Row) => current !== undefined && r.run_id === current.runId;
  // The run rendering this page is still `running` in the log: its seconds so far are its steps'.
  const seconds = (r: Row): number | null =>
    isCurrent(r)
      ? current!.steps.reduce((n, step) => n + step.seconds, 0)
      : r.seconds === null
        ? null
        : Number(r.seconds);
  const columns: Column<Row>[] = [
    { header: 'Run', cell: (r) => String(r.run_id) },
    { header: 'Started', cell: (r) => timestamp(r.started_at) },
    {
      header: 'Seconds',
      numeric: true,
      cell: (r) => {
        const s = seconds(r);
        return s === null ? '—' : isCurrent(r) ? `${formatInteger(s)} so far` : formatInteger(s);
      },
      value: seconds,
      key: (r) => `${r.run_id}|seconds`,
    },
    {
      header: 'Status',
      cell: (r) =>
        isCurrent(r)
          ? html`<span class="note">this run</span>`
          : html`<span class="${r.status === 'ok' || r.status === 'success' ? 'pass' : 'fail'}">${String(r.status)}</span>`,
      value: (r) => (isCurrent(r) ? 'this run' : String(r.status)),
      key: (r) => `${r.run_id}|status`,
    },
    { header: 'Error', cell: (r) => String(r.error ?? '') },
  ];
  return html`${current ? thisRun(current) : ''}${table('daily-runs', columns, runs)}`;
}

/** The steps of the run rendering the page, with their seconds; its reports step is this page. */
function thisRun(run: CurrentRun): Html {
  type Line = {
    name: string;
    seconds: number | null;
    records: number | null;
    rejected: number | null;
    detail: string;
  };
  const lines: Line[] = [
    ...run.steps,
    { name: 'reports', seconds: null, records: null, rejected: null, detail: 'rendering these pages' },
  ];
  const count = (n: number | null) => (n === null ? '' : formatInteger(n));
  const total = run.steps.reduce((n, step) => n + step.seconds, 0);
  return html`
<h3>This run</h3>
<p class="note" data-current-run="${run.runId}">Run <code>${run.runId}</code>, started ${timestamp(run.startedAt)}, is the one rendering this page: its steps so far took ${formatDecimal(total)} s. Its reports step and its final status are written after the pages; the next run’s page shows them.</p>
${table(
  'this-run',
  [
    { header: 'Step', cell: (l) => l.name, key: (l) => `${l.name}|step` },
    {
      header: 'Seconds',
      numeric: true,
      cell: (l) => (l.seconds === null ? 'now' : formatDecimal(l.seconds)),
      value: (l) => l.seconds,
      key: (l) => `${l.name}|seconds`,
    },
    { header: 'Records', numeric: true, cell: (l) => count(l.records), value: (l) => l.records },
    { header: 'Rejected', numeric: true, cell: (l) => count(l.rejected), value: (l) => l.rejected },
    { header: 'Result', wide: true, cell: (l) => l.detail },
  ] satisfies Column<Line>[],
  lines,
)}
<h3>The last 30 runs</h3>`;
}

const tierColours: Record<string, string> = {
  exact: '#15803d',
  medium: '#f59e0b',
  low: '#ef4444',
  single: '#94a3b8',
};

async function identitySection(ctx: ReportContext): Promise<Html> {
  if (!(await hasTable(ctx.db, 'resolved_records')))
    return notYetComputed('core/resolved_records', 'identity confidence');
  const rows = (await metric(ctx, 'identity_confidence')).map((r) => ({
    source: String(r.source),
    tier: String(r.match_tier),
    records: Number(r.records),
  }));
  const tiers = ['exact', 'medium', 'low', 'single'].filter((t) => rows.some((r) => r.tier === t));
  const sources = [...new Set(rows.map((r) => r.source))];
  const totals = new Map(
    sources.map((s) => [s, rows.filter((r) => r.source === s).reduce((n, r) => n + r.records, 0)]),
  );
  type Line = { source: string; total: number; byTier: Map<string, number> };
  const lines: Line[] = sources.map((s) => ({
    source: s,
    total: totals.get(s)!,
    byTier: new Map(rows.filter((r) => r.source === s).map((r) => [r.tier, r.records])),
  }));
  const columns: Column<Line>[] = [
    { header: 'Source', cell: (l) => l.source },
    {
      header: 'Person records',
      numeric: true,
      cell: (l) => formatInteger(l.total),
      key: (l) => `${l.source}|records`,
    },
    ...tiers.map(
      (t): Column<Line> => ({
        header: t,
        numeric: true,
        cell: (l) =>
          `${formatInteger(l.byTier.get(t) ?? 0)} (${formatPercent(ratio(l.byTier.get(t) ?? 0, l.total))})`,
        key: (l) => `${l.source}|${t}`,
      }),
    ),
  ];
  return html`
${chart('identity-confidence', {
  width: 900,
  height: 60 + 34 * sources.length,
  marginLeft: 90,
  x: { label: 'Share of the source’s person records', tickFormat: '.0%', grid: true },
  y: { domain: sources, label: null },
  color: { domain: tiers, range: tiers.map((t) => tierColours[t] ?? '#94a3b8'), legend: true },
  marks: [
    Plot.barX(
      rows,
      Plot.stackX({
        x: (r: (typeof rows)[number]) => r.records / totals.get(r.source)!,
        y: 'source',
        fill: 'tier',
        order: tiers,
        title: (r: (typeof rows)[number]) =>
          `${r.source}, ${r.tier}: ${formatInteger(r.records)} records (${formatPercent(r.records / totals.get(r.source)!)})`,
      }),
    ),
  ],
})}
${table('identity-confidence', columns, lines)}`;
}

async function coverageSection(ctx: ReportContext): Promise<Html> {
  const parts: Html[] = [];
  if (await hasTable(ctx.db, 'customer_master')) {
    const [c] = await metric(ctx, 'customer_coverage');
    const n = Number(c?.customers ?? 0);
    const fields: [string, string, number][] = [
      ['customers', 'Customers', n],
      ['with_email', 'with an email', Number(c?.with_email ?? 0)],
      ['with_phone', 'with a phone', Number(c?.with_phone ?? 0)],
      ['with_birth_date', 'with a birth date', Number(c?.with_birth_date ?? 0)],
      ['in_several_sources', 'seen in more than one source', Number(c?.in_several_sources ?? 0)],
    ];
    parts.push(
      table(
        'customer-coverage',
        [
          { header: 'Customers', cell: (f) => f[1] },
          { header: 'Count', numeric: true, cell: (f) => formatInteger(f[2]), key: (f) => f[0] },
          { header: 'Share', numeric: true, cell: (f) => formatPercent(ratio(f[2], n)) },
        ],
        fields,
      ),
    );
  }
  if (await hasTable(ctx.db, 'customer_events')) {
    const rows = await metric(ctx, 'event_coverage');
    parts.push(
      table(
        'event-coverage',
        [
          { header: 'Event type', cell: (r: Row) => String(r.event_type) },
          {
            header: 'Events',
            numeric: true,
            cell: (r) => formatInteger(Number(r.events)),
            key: (r) => `${r.event_type}|events`,
          },
          {
            header: 'Attached to a customer',
            numeric: true,
            cell: (r) => formatPercent(ratio(Number(r.events) - Number(r.unmatched), Number(r.events))),
            key: (r) => `${r.event_type}|attached`,
          },
          { header: 'exact', numeric: true, cell: (r) => formatInteger(Number(r.exact)) },
          { header: 'medium', numeric: true, cell: (r) => formatInteger(Number(r.medium)) },
          { header: 'low', numeric: true, cell: (r) => formatInteger(Number(r.low)) },
          { header: 'unmatched', numeric: true, cell: (r) => formatInteger(Number(r.unmatched)) },
        ],
        rows,
      ),
    );
  }
  return parts.length > 0 ? html`${parts}` : notYetComputed('core/customer_master', 'coverage');
}

async function rejectedSection(ctx: ReportContext): Promise<Html> {
  if (!(await hasTable(ctx.db, 'rejected_records')))
    return html`<p data-rejected="0">No record has been rejected: <code>state/rejected_records</code> is empty.</p>`;
  const rows = await metric(ctx, 'rejected_records');
  return table(
    'rejected',
    [
      { header: 'Source', cell: (r: Row) => String(r.source) },
      { header: 'Stream', cell: (r) => String(r.stream) },
      { header: 'Reason', cell: (r) => String(r.reason) },
      {
        header: 'Records',
        numeric: true,
        cell: (r) => formatInteger(Number(r.records)),
        key: (r) => `${r.source}|${r.stream}|${r.reason}`,
      },
      {
        header: 'Last rejected',
        cell: (r) =>
          String(r.last_rejected_at ?? '')
            .slice(0, 16)
            .replace('T', ' '),
      },
      { header: 'Newest payload', cell: (r) => html`<pre>${samplePreview(r.sample_payload)}</pre>` },
    ],
    rows,
  );
}

async function render(ctx: ReportContext): Promise<string> {
  const body = html`
<h2>Checks</h2>
${await checksSection(ctx)}
<h2>Daily runs</h2>
${await runsSection(ctx)}
<h2>Freshness per source</h2>
${freshnessTable(ctx)}
<h2>Identity confidence</h2>
${await identitySection(ctx)}
<h2>Coverage</h2>
${await coverageSection(ctx)}
<h2>Rejected records</h2>
${await rejectedSection(ctx)}`;
  return page({
    title: 'Data quality',
    subtitle: subtitle(ctx),
    definitions: [
      'Checks are the daily run’s quality checks: a check fails when more rows break it than its threshold allows; a sample of the failing rows is shown.',
      'Freshness = the last time each source’s raw records were fetched (raw fetched_at) and how far its fetch windows reach. Identity confidence = how each source’s person records were linked: exact (a shared identifier), medium (the model’s match probability), single (no other record of that person).',
      'Coverage = events that reached a customer, by type; unmatched events are kept in the timeline without a customer. Rejected records are those a fetcher refused, with the reason.',
    ],
    body,
  });
}

export const dataQuality: ReportDefinition = {
  file: 'data-quality.html',
  title: 'Data quality',
  summary:
    'quality checks and their trend, daily runs, freshness, identity confidence, coverage, rejected records',
  render,
};

if (isMain(import.meta.url)) await runNotebook(dataQuality);
