/**
 * The daily run, end to end, each run its own process measured by /usr/bin/time (wall time and
 * peak resident memory): (a) the full two-year backfill of the demo gym through the emulators into
 * an empty lake; (b) the incremental daily run after it (same day, daily windows), and the run of the
 * next day (the emulators' clock a day on: that day's new and changed records); (c) a rebuild
 * with --no-fetch of a lake at a scale factor of the demo (default 100), written once by the scale
 * writer and copied afresh (raw only) for each of --scale-runs rebuilds. A part skipped keeps its
 * figures from the previous results file, marked with when they were measured.
 *
 *   npx tsx bench/daily.ts [--runs 3] [--scale 100] [--scale-runs 3] [--skip-demo] [--skip-scale]
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateGym } from '../src/sandbox/generate.ts';
import { writeScaleLake } from '../src/sandbox/scale-writer.ts';
import { median, report, timed } from './measure.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    scale: { type: 'string', default: '100' },
    'scale-runs': { type: 'string', default: '3' },
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
  const describe = (measured: Measured[], target: number) => ({
    runs: measured.length,
    exit_codes: measured.map((m) => m.code),
    median_seconds: median(measured.map((m) => m.seconds)),
    seconds: measured.map((m) => m.seconds),
    median_peak_rss_mb: median(measured.map((m) => m.peak_rss_mb)),
    target_seconds: target,
    last_summary: measured.at(-1)?.summary,
  });
  figures.demo_backfill = describe(backfill, 90);
  figures.demo_incremental = describe(incremental, 15);
  figures.demo_next_day = describe(nextDay, 15);
  figures.load_average_after_demo = load();
}

if (!values['skip-scale']) {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-scale-daily-'));
  try {
    const written = path.join(cwd, 'written');
    const asOf = generateGym({ size: 'tiny' }).asOf;
    const writing = await timed(() => writeScaleLake({ scale, dir: written, workers: 2, asOf }));
    console.error(`scale ${scale}: raw lake written in ${writing.seconds.toFixed(1)} s`);
    figures.load_average_before_scale = load();
    const rebuilds: Measured[] = [];
    for (let run = 0; run < Number(values['scale-runs']); run++) {
      const lake = path.join(cwd, `lake-${run}`);
      await cp(path.join(written, 'raw'), path.join(lake, 'raw'), { recursive: true });
      const rebuild = await daily(['--no-fetch', '--as-of', asOf.toISOString().slice(0, 10)], cwd, {
        BASIN_LAKE_URL: lake,
      });
      console.error(
        `rebuild ${run + 1} at ${scale}x: exit ${rebuild.code}, ${rebuild.seconds} s, ${rebuild.peak_rss_mb} MB\n${rebuild.summary}`,
      );
      rebuilds.push(rebuild);
      await rm(lake, { recursive: true, force: true });
    }
    figures.scale_rebuild = {
      scale,
      raw_rows: Object.values(writing.result.rows).reduce((n, r) => n + r, 0),
      raw_write_seconds: Math.round(writing.seconds * 10) / 10,
      runs: rebuilds.length,
      exit_codes: rebuilds.map((r) => r.code),
      median_seconds: median(rebuilds.map((r) => r.seconds)),
      seconds: rebuilds.map((r) => r.seconds),
      median_peak_rss_mb: median(rebuilds.map((r) => r.peak_rss_mb)),
      target_seconds: 180,
      last_summary: rebuilds.at(-1)?.summary,
    };
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
  ...(values['skip-scale'] ? ['scale_rebuild', 'load_average_before_scale'] : []),
];
for (const part of partsKept) {
  if (previous?.[part] === undefined) continue;
  figures[part] = previous[part];
  figures[`${part}_measured_at`] = previous[`${part}_measured_at`] ?? previous.measured_at;
}
await report('daily', figures);
