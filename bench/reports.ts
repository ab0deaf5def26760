/**
 * Reports benchmark. Guards against: rendering every report and the index from the demo gym taking
 * more than 10 s.
 *
 *   npx tsx bench/reports.ts [--runs 5] [--lake DIR]
 *
 * The input is the demo gym's lake built as the daily run builds it (`buildSandboxLake` at scale 1,
 * cached in bench/results/reports-lake/ while the code is unchanged), or --lake DIR (e.g.
 * data/sandbox after `npm run demo`).
 * Each run opens DuckDB over the lake afresh and renders everything into a temp folder; the median
 * of --runs is quoted, against a baseline measured in the same runs: the same queries/metrics/reports files
 * run without rendering. Results go to bench/results/reports.json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createContext, metric } from '../notebooks/lib/context.ts';
import { renderReports } from '../notebooks/lib/render-reports.ts';
import { Lake } from '../src/lake/lake.ts';
import { DEFAULT_TIME_ZONE } from '../src/sandbox/generate.ts';
import { buildSandboxLake } from '../src/sandbox/sandbox-lake.ts';
import { Database } from '../src/sql/database.ts';
import { cachedBuild, median, report, timed } from './measure.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, lake: { type: 'string' } },
});
const runs = Number(values.runs);
const cached = path.join(import.meta.dirname, 'results', 'reports-lake');

async function demoLake(): Promise<string> {
  if (values.lake) return values.lake;
  const outcome = await cachedBuild(cached, async () => {
    console.log(
      'building the demo gym’s lake (cached in bench/results/reports-lake/ until the code changes)…',
    );
    const { result, seconds } = await timed(() => buildSandboxLake(cached, 1));
    result.db.close();
    console.log(`built in ${seconds.toFixed(1)} s`);
  });
  if (outcome === 'reused') console.log('reusing bench/results/reports-lake/, built by this code');
  return cached;
}

const metricsQueries = [
  'weekly_scorecard',
  'monthly_revenue',
  'membership_cohorts',
  'visit_funnel',
  'pass_funnel',
  'identity_confidence',
  'event_coverage',
  'customer_coverage',
  'campaign_engagement',
];

const dir = await demoLake();
const open = () => Database.open(new Lake({ kind: 'local', dir }), { timeZone: DEFAULT_TIME_ZONE });
const render: number[] = [];
const queriesOnly: number[] = [];
const perReport = new Map<string, number[]>();
for (let run = 0; run < runs; run++) {
  const out = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-reports-'));
  const { seconds, result } = await timed(async () => {
    const db = await open();
    try {
      return await renderReports(db, { outDir: out, timeZone: DEFAULT_TIME_ZONE });
    } finally {
      db.close();
    }
  });
  await rm(out, { recursive: true, force: true });
  const failed = result.filter((r) => r.error);
  if (failed.length > 0)
    throw new Error(`reports failed: ${failed.map((f) => `${f.file}: ${f.error}`).join('; ')}`);
  render.push(seconds);
  for (const r of result) perReport.set(r.file, [...(perReport.get(r.file) ?? []), r.seconds]);

  const baseline = await timed(async () => {
    const db = await open();
    try {
      const ctx = await createContext(db, { timeZone: DEFAULT_TIME_ZONE });
      for (const name of metricsQueries) await metric(ctx, name);
    } finally {
      db.close();
    }
  });
  queriesOnly.push(baseline.seconds);
  console.log(
    `run ${run + 1}: render ${seconds.toFixed(2)} s, queries only ${baseline.seconds.toFixed(2)} s`,
  );
}

const db = await open();
const [customers] = await db.query('select count(*)::bigint as n from customer_master');
const [events] = await db.query('select count(*)::bigint as n from customer_events');
db.close();

const renderMedian = median(render);
const baselineMedian = median(queriesOnly);
await report('reports', {
  lake: dir,
  customers: Number(customers?.n),
  events: Number(events?.n),
  runs,
  render_all_seconds_median: Number(renderMedian.toFixed(3)),
  render_all_seconds: render.map((s) => Number(s.toFixed(3))),
  baseline_queries_only_seconds_median: Number(baselineMedian.toFixed(3)),
  ratio_render_to_queries: Number((renderMedian / baselineMedian).toFixed(2)),
  per_report_seconds_median: Object.fromEntries(
    [...perReport].map(([file, s]) => [file, Number(median(s).toFixed(3))]),
  ),
  target_seconds: 10,
  within_target: renderMedian <= 10,
});
