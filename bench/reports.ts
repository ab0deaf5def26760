/**
 * Reports benchmark. Guards against: rendering every report and the index from the demo gym taking
 * more than 3 s, and a page growing past 3 MB.
 *
 *   npx tsx bench/reports.ts [--runs 5] [--lake DIR] [--sandbox-port 47830]
 *
 * The input is the demo gym's lake as `npm run demo` leaves it: the daily run against the sandbox,
 * so offers, quality checks and the run log are there and every page is drawn in full (cached in
 * bench/results/reports-lake/ while the code is unchanged), or --lake DIR (e.g. data/sandbox).
 * Each run opens DuckDB over the lake afresh and renders everything into a temp folder; the median
 * of --runs is quoted, against a baseline measured in the same runs: the same queries/metrics/reports
 * files run without rendering. The pages' sizes are printed, largest first. Results go to
 * bench/results/reports.json.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createContext, metric } from '../notebooks/lib/context.ts';
import { renderReports } from '../notebooks/lib/render-reports.ts';
import { Lake } from '../src/lake/lake.ts';
import { DEFAULT_TIME_ZONE } from '../src/sandbox/generate.ts';
import { Database } from '../src/sql/database.ts';
import { cachedBuild, exitWithHelpIfAsked, median, report, timed } from './measure.ts';

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    lake: { type: 'string' },
    'sandbox-port': { type: 'string', default: '47830' },
  },
});
const runs = Number(values.runs);
const cached = path.join(import.meta.dirname, 'results', 'reports-lake');
const projectRoot = path.resolve(import.meta.dirname, '..');

/** The daily run against the sandbox, as `npm run demo` does, into `cached` (its reports land there too). */
function demoRun(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(projectRoot, 'src/daily.ts'),
        '--sandbox',
        '--sandbox-lake',
        path.join(cached, 'lake'),
        '--sandbox-port',
        values['sandbox-port']!,
      ],
      { cwd: cached, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`the demo run failed (exit ${code}):\n${output}`)),
    );
  });
}

async function demoLake(): Promise<string> {
  if (values.lake) return values.lake;
  const outcome = await cachedBuild(cached, async () => {
    console.log(
      'building the demo gym’s lake with the daily run (cached in bench/results/reports-lake/ until the code changes)…',
    );
    const { seconds } = await timed(demoRun);
    console.log(`built in ${seconds.toFixed(1)} s`);
  });
  if (outcome === 'reused') console.log('reusing bench/results/reports-lake/, built by this code');
  return path.join(cached, 'lake');
}

/** Every page in `dir` with its size, largest first. */
async function pageSizes(dir: string): Promise<{ file: string; bytes: number }[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.html'));
  const sizes = await Promise.all(
    files.map(async (file) => ({ file, bytes: (await stat(path.join(dir, file))).size })),
  );
  return sizes.sort((a, b) => b.bytes - a.bytes);
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
  'quality_latest',
  'quality_trend',
  'daily_run_history',
];

const dir = await demoLake();
const open = () => Database.open(new Lake({ kind: 'local', dir }), { timeZone: DEFAULT_TIME_ZONE });
const render: number[] = [];
let sizes: { file: string; bytes: number }[] = [];
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
  sizes = await pageSizes(out);
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
  target_seconds: 3,
  within_target: renderMedian <= 3,
  page_bytes: Object.fromEntries(sizes.map((p) => [p.file, p.bytes])),
  largest_page: sizes[0]?.file,
  largest_page_mb: Number(((sizes[0]?.bytes ?? 0) / 1024 / 1024).toFixed(2)),
  largest_page_target_mb: 3,
});
console.log(
  `largest page: ${sizes[0]?.file} ${((sizes[0]?.bytes ?? 0) / 1024 / 1024).toFixed(2)} MB (${sizes.map((p) => `${p.file} ${Math.round(p.bytes / 1024)} KB`).join(', ')})`,
);
