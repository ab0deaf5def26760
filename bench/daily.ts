/**
 * The daily run, end to end, each run its own process measured by /usr/bin/time (wall time and
 * peak resident memory): (a) the full two-year backfill of the demo gym through the emulators into
 * an empty lake; (b) the incremental daily run after it (same day, daily windows), and the run of the
 * next day (the emulators' clock a day on: that day's new and changed records); (c) at a scale factor
 * of the demo (default 100), from a raw lake and its following days written once by the scale writer
 * (reused from --written DIR when it holds them): per --scale-runs, a `--no-fetch` rebuild of a fresh
 * copy, then each following day's raw parts added and its incremental `--no-fetch` run (the first day
 * also --day-runs times on copies of the rebuilt lake, for its median), and, on the first run, a
 * rebuild of the same raw as of the last day compared with the incremental lake
 * (src/pipeline/equivalence.ts). A part skipped keeps its figures from the previous results file,
 * marked with when they were measured.
 *
 *   npx tsx bench/daily.ts [--runs 3] [--scale 100] [--scale-runs 3] [--scale-days 7] [--day-runs 1]
 *     [--written DIR] [--skip-demo] [--skip-scale] [--skip-equivalence]
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Lake } from '../src/lake/lake.ts';
import { compareLakes, isEquivalent, prepareRebuild } from '../src/pipeline/equivalence.ts';
import { DEFAULT_TIME_ZONE, generateGym } from '../src/sandbox/generate.ts';
import {
  addScaleDay,
  type ScaleDay,
  type ScaleLakeResult,
  writeScaleLake,
} from '../src/sandbox/scale-writer.ts';
import { Database } from '../src/sql/database.ts';
import { exitWithHelpIfAsked, median, report, timed } from './measure.ts';

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    scale: { type: 'string', default: '100' },
    'scale-runs': { type: 'string', default: '3' },
    'scale-days': { type: 'string', default: '7' },
    'day-runs': { type: 'string', default: '1' },
    written: { type: 'string' },
    'skip-equivalence': { type: 'boolean', default: false },
    port: { type: 'string', default: '48600' },
    'skip-demo': { type: 'boolean', default: false },
    'skip-scale': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const scale = Number(values.scale);
const projectRoot = path.resolve(import.meta.dirname, '..');
const loader = path.join(projectRoot, 'node_modules/tsx/dist/loader.mjs');
const load = () => os.loadavg().map((n) => Math.round(n * 100) / 100);

interface Measured {
  code: number;
  seconds: number;
  peak_rss_mb: number;
  summary: string;
}

/** Runs `src/daily.ts` under /usr/bin/time; returns its exit code, wall time, peak RSS and summary. */
async function daily(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Measured> {
  const timeFile = path.join(cwd, `.time-${Date.now()}`);
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    const child = spawn(
      '/usr/bin/time',
      [
        '-f',
        '%e %M',
        '-o',
        timeFile,
        process.execPath,
        '--import',
        loader,
        path.join(projectRoot, 'src/daily.ts'),
        ...args,
      ],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // The steps as they begin, so a long run shows where it is.
      for (const line of chunk.toString().split('\n')) if (line.startsWith('▸')) console.error(`  ${line}`);
    });
    child.on('close', (exit) => resolve({ code: exit ?? 1, stdout: out }));
  });
  const [seconds, kb] = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
  const summary = stdout.slice(stdout.lastIndexOf('\nstep ') + 1);
  return { code, seconds: seconds!, peak_rss_mb: Math.round(kb! / 1024), summary };
}

function note(what: string, m: Measured): void {
  console.error(`${what}: exit ${m.code}, ${m.seconds} s, ${m.peak_rss_mb} MB\n${m.summary}`);
}

function describe(measured: Measured[], target: number) {
  return {
    runs: measured.length,
    exit_codes: measured.map((m) => m.code),
    median_seconds: median(measured.map((m) => m.seconds)),
    seconds: measured.map((m) => m.seconds),
    median_peak_rss_mb: median(measured.map((m) => m.peak_rss_mb)),
    peak_rss_mb: measured.map((m) => m.peak_rss_mb),
    target_seconds: target,
    last_summary: measured.at(-1)?.summary,
  };
}

const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/**
 * The scaled raw lake and its following days, written once: reused from `dir` when a previous run
 * of this script left them there for the same scale and number of days.
 */
async function scaleLake(dir: string, asOf: Date) {
  const record = path.join(dir, 'written.json');
  const kept = await readFile(record, 'utf8')
    .then((text) => JSON.parse(text) as { scale: number; result: ScaleLakeResult; seconds: number })
    .catch(() => undefined);
  const days = Number(values['scale-days']);
  if (kept && kept.scale === scale && kept.result.days.length >= days) {
    const result = {
      ...kept.result,
      days: kept.result.days.slice(0, days).map((d) => ({ ...d, asOf: new Date(d.asOf) })),
    };
    return { written: result, raw: path.join(dir, 'raw'), writeSeconds: kept.seconds };
  }
  await rm(dir, { recursive: true, force: true });
  const writing = await timed(() => writeScaleLake({ scale, dir, workers: 2, asOf, days }));
  const seconds = Math.round(writing.seconds * 10) / 10;
  await writeFile(record, JSON.stringify({ scale, result: writing.result, seconds }));
  return { written: writing.result, raw: path.join(dir, 'raw'), writeSeconds: seconds };
}

/** Appends a day's raw parts to the lake, then runs that day's incremental run on it. */
async function runNextDay(lake: string, day: ScaleDay, what: string): Promise<Measured> {
  const opened = new Lake({ kind: 'local', dir: lake });
  try {
    await addScaleDay(opened, day);
  } finally {
    opened.close();
  }
  const measured = await daily(['--no-fetch', '--as-of', isoDate(day.asOf)], path.dirname(lake), {
    BASIN_LAKE_URL: lake,
  });
  note(what, measured);
  return measured;
}

/**
 * Rebuilds the incrementally built lake's raw data (with the identity model it scored with) as of its
 * last day and compares the two (src/pipeline/equivalence.ts).
 */
async function checkEquivalence(lake: string, last: ScaleDay): Promise<Record<string, unknown>> {
  const full = `${lake}-full`;
  await prepareRebuild(lake, full, DEFAULT_TIME_ZONE);
  const rebuild = await daily(['--no-fetch', '--as-of', isoDate(last.asOf)], path.dirname(lake), {
    BASIN_LAKE_URL: full,
  });
  note(`rebuild after day ${last.day}, to compare`, rebuild);
  const db = await Database.open(new Lake({ kind: 'local', dir: lake }), { timeZone: DEFAULT_TIME_ZONE });
  const fullLake = new Lake({ kind: 'local', dir: full });
  try {
    const compared = await timed(() => compareLakes(db, fullLake));
    const result = compared.result;
    const figures = {
      rebuild_seconds: rebuild.seconds,
      rebuild_peak_rss_mb: rebuild.peak_rss_mb,
      rebuild_exit_code: rebuild.code,
      compare_seconds: Math.round(compared.seconds * 10) / 10,
      equivalent: isEquivalent(result),
      tables: result.tables.length,
      missing: result.missing,
      independent_differing: result.independentDiffering,
      keyed_differing: result.keyedDiffering,
      pairwise: result.pairwise,
      differing: result.tables.filter((t) => t.onlyIncremental + t.onlyFull > 0),
    };
    console.error(`equivalence: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    db.close();
    fullLake.close();
    await rm(full, { recursive: true, force: true });
  }
}

const figures: Record<string, unknown> = { cores: os.availableParallelism(), load_average_at_start: load() };

if (!values['skip-demo']) {
  const backfill: Measured[] = [];
  const incremental: Measured[] = [];
  const nextDay: Measured[] = [];
  const tomorrow = new Date(generateGym({ size: 'tiny' }).asOf.getTime() + 86_400_000)
    .toISOString()
    .slice(0, 10);
  for (let run = 0; run < runs; run++) {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-daily-'));
    try {
      const args = ['--sandbox', '--sandbox-port', values.port!, '--sandbox-lake', path.join(cwd, 'lake')];
      const full = await daily(args, cwd);
      console.error(
        `backfill ${run + 1}/${runs}: exit ${full.code}, ${full.seconds} s, ${full.peak_rss_mb} MB\n${full.summary}`,
      );
      const next = await daily(args, cwd);
      console.error(
        `incremental ${run + 1}/${runs}: exit ${next.code}, ${next.seconds} s, ${next.peak_rss_mb} MB\n${next.summary}`,
      );
      const day = await daily([...args, '--as-of', tomorrow], cwd);
      console.error(
        `next day ${run + 1}/${runs}: exit ${day.code}, ${day.seconds} s, ${day.peak_rss_mb} MB\n${day.summary}`,
      );
      backfill.push(full);
      incremental.push(next);
      nextDay.push(day);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }
  figures.demo_backfill = describe(backfill, 90);
  figures.demo_incremental = describe(incremental, 15);
  figures.demo_next_day = describe(nextDay, 15);
  figures.load_average_after_demo = load();
}

if (!values['skip-scale']) {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-scale-daily-'));
  try {
    const asOf = generateGym({ size: 'tiny' }).asOf;
    const { written, raw, writeSeconds } = await scaleLake(values.written ?? path.join(cwd, 'written'), asOf);
    console.error(`scale ${scale}: raw lake and ${written.days.length} days, written in ${writeSeconds} s`);
    figures.load_average_before_scale = load();
    const env = (lake: string) => ({ BASIN_LAKE_URL: lake });
    const rebuilds: Measured[] = [];
    const oneDay: Measured[] = [];
    const weeks: Measured[][] = [];
    let equivalence: Record<string, unknown> | undefined;
    for (let run = 0; run < Number(values['scale-runs']); run++) {
      const lake = path.join(cwd, `lake-${run}`);
      await cp(raw, path.join(lake, 'raw'), { recursive: true });
      const rebuild = await daily(['--no-fetch', '--as-of', isoDate(asOf)], cwd, env(lake));
      note(`rebuild ${run + 1} at ${scale}x`, rebuild);
      rebuilds.push(rebuild);
      // The first day again on copies of the rebuilt lake: its median without a week per sample.
      for (let again = 1; again < Number(values['day-runs']); again++) {
        const copy = path.join(cwd, `lake-${run}-day-${again}`);
        await cp(lake, copy, { recursive: true });
        oneDay.push(await runNextDay(copy, written.days[0]!, `one day ${run + 1}.${again}`));
        await rm(copy, { recursive: true, force: true });
      }
      const week: Measured[] = [];
      for (const day of written.days)
        week.push(await runNextDay(lake, day, `day ${day.day} of run ${run + 1}`));
      oneDay.push(week[0]!);
      weeks.push(week);
      if (run === 0 && !values['skip-equivalence'])
        equivalence = await checkEquivalence(lake, written.days.at(-1)!);
      await rm(lake, { recursive: true, force: true });
    }
    const rebuildMedian = median(rebuilds.map((r) => r.seconds));
    figures.scale_rebuild = {
      scale,
      raw_rows: Object.values(written.rows).reduce((n, r) => n + r, 0),
      raw_write_seconds: writeSeconds,
      ...describe(rebuilds, 180),
    };
    figures.scale_one_day = {
      rows_per_day: written.days.map((d) => Object.values(d.rows).reduce((n, r) => n + r, 0)),
      ...describe(oneDay, 60),
      target_peak_rss_mb: 6144,
      median_ratio_to_rebuild:
        Math.round((median(oneDay.map((m) => m.seconds)) / rebuildMedian) * 1000) / 1000,
    };
    const weekSeconds = weeks.map((w) => Math.round(w.reduce((n, m) => n + m.seconds, 0) * 10) / 10);
    figures.scale_week = {
      days: written.days.length,
      runs: weeks.length,
      exit_codes: weeks.map((w) => w.map((m) => m.code)),
      median_seconds: median(weekSeconds),
      seconds: weekSeconds,
      day_seconds: weeks.map((w) => w.map((m) => m.seconds)),
      median_peak_rss_mb: median(weeks.map((w) => Math.max(...w.map((m) => m.peak_rss_mb)))),
      median_ratio_to_rebuild: Math.round((median(weekSeconds) / rebuildMedian) * 1000) / 1000,
      last_summary: weeks.at(-1)?.at(-1)?.summary,
    };
    if (equivalence) figures.scale_equivalence = equivalence;
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

figures.load_average_at_end = load();
const previous = await readFile(path.join(import.meta.dirname, 'results', 'daily.json'), 'utf8')
  .then((text) => JSON.parse(text) as Record<string, unknown>)
  .catch(() => null);
const partsKept = [
  ...(values['skip-demo']
    ? ['demo_backfill', 'demo_incremental', 'demo_next_day', 'load_average_after_demo']
    : []),
  ...(values['skip-scale']
    ? ['scale_rebuild', 'scale_one_day', 'scale_week', 'scale_equivalence', 'load_average_before_scale']
    : []),
];
for (const part of partsKept) {
  if (previous?.[part] === undefined) continue;
  figures[part] = previous[part];
  figures[`${part}_measured_at`] = previous[`${part}_measured_at`] ?? previous.measured_at;
}
await report('daily', figures);
