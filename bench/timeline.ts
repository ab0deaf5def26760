/**
 * Timeline and rules benchmark. Guards against: building the customer timeline and running every
 * rule at 100 times the demo gym (at least 10,000,000 events) taking more than 60 s or 6 GB.
 *
 *   npx tsx bench/timeline.ts [--scale 100] [--runs 3] [--prepare-only]
 *
 * The sandbox gym's raw lake is written at --scale, staged and resolved once, untimed, and cached in
 * bench/results/timeline-lake-<scale>/ until the code under src/ or queries/ changes. Each measured
 * run is its own process, so its peak memory (max RSS: Node and DuckDB together) is its own: it
 * builds the core layer (queries/core, with `customer_events`) and runs the daily rules step over an
 * empty flag history, so every flag is new.
 * The demo gym is measured the same way in the same run, as the baseline the scale figures are
 * compared with. Results go to bench/results/timeline.json.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createInputTable } from '../src/identity/input.ts';
import { resolveIdentities } from '../src/identity/resolve.ts';
import { lakeStore } from '../src/identity/store.ts';
import { Lake } from '../src/lake/lake.ts';
import { stage } from '../src/pipeline/stage.ts';
import { loadRulesConfig } from '../src/rules/config.ts';
import { discoverRules } from '../src/rules/discover.ts';
import { runRules } from '../src/rules/run-rules.ts';
import { DEFAULT_AS_OF } from '../src/sandbox/generate.ts';
import { writeScaleLake } from '../src/sandbox/scale-writer.ts';
import { Database } from '../src/sql/database.ts';
import { buildTimeline } from '../src/timeline/build-timeline.ts';
import { cachedBuild, exitWithHelpIfAsked, median, report } from './measure.ts';

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'bench/results');
const TIME_ZONE = 'America/Chicago';
const AS_OF_DAY = DEFAULT_AS_OF.toLocaleDateString('en-CA', { timeZone: TIME_ZONE });
/** Rule state a measured run starts without, so each run opens every flag. */
const RULE_STATE = ['state/flag_history', 'state/system_events', 'state/experiment_entries'];

interface RunResult {
  events: number;
  attached: number;
  openFlags: number;
  timelineSeconds: number;
  rulesSeconds: number;
  seconds: number;
  peakRssMb: number;
}

const [command, dirArgument] = process.argv.slice(2);
if (command === 'run') {
  console.log(JSON.stringify(await measureOnce(dirArgument!)));
} else {
  exitWithHelpIfAsked(import.meta.filename);
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '100' },
      runs: { type: 'string', default: '3' },
      'prepare-only': { type: 'boolean', default: false },
    },
  });
  if (values['prepare-only']) for (const scale of [1, Number(values.scale)]) await prepareLake(scale);
  else await main(Number(values.scale), Number(values.runs));
}

async function main(scale: number, runs: number): Promise<void> {
  const demoLake = await prepareLake(1);
  const scaleLake = await prepareLake(scale);
  const demo: RunResult[] = [];
  const large: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    demo.push(await inChild(demoLake));
    large.push(await inChild(scaleLake));
    const last = large.at(-1)!;
    console.error(
      `run ${i + 1}/${runs}: demo ${demo.at(-1)!.seconds.toFixed(1)} s; ×${scale} ${last.events.toLocaleString('en-US')} events ` +
        `${last.seconds.toFixed(1)} s (timeline ${last.timelineSeconds.toFixed(1)}, rules ${last.rulesSeconds.toFixed(1)}), ${last.peakRssMb} MB`,
    );
  }
  const summarise = (results: RunResult[]) => ({
    events: results[0]!.events,
    attached: results[0]!.attached,
    openFlags: results[0]!.openFlags,
    medianSeconds: median(results.map((r) => r.seconds)),
    medianTimelineSeconds: median(results.map((r) => r.timelineSeconds)),
    medianRulesSeconds: median(results.map((r) => r.rulesSeconds)),
    peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
    runs: results.map((r) => r.seconds),
  });
  const demoSummary = summarise(demo);
  const scaleSummary = summarise(large);
  await report('timeline', {
    scale,
    runs,
    cores: (await import('node:os')).availableParallelism(),
    loadAverage: (await import('node:os')).loadavg(),
    demo: demoSummary,
    atScale: scaleSummary,
    targets: { seconds: 60, peakRssMb: 6144 },
    eventsPerSecond: {
      demo: Math.round(demoSummary.events / demoSummary.medianSeconds),
      atScale: Math.round(scaleSummary.events / scaleSummary.medianSeconds),
    },
    scaleToDemoTimeRatio: scaleSummary.medianSeconds / demoSummary.medianSeconds,
  });
}

/** The sandbox gym's lake at `scale`, staged and resolved; reused while the code is unchanged. */
async function prepareLake(scale: number): Promise<string> {
  const dir = path.join(resultsDir, `timeline-lake-${scale}`);
  await cachedBuild(dir, async () => {
    const step = async (name: string, work: () => Promise<unknown>) => {
      const started = performance.now();
      await work();
      console.error(`×${scale}: ${name} ${((performance.now() - started) / 1000).toFixed(1)} s`);
    };
    await step('write raw lake', () =>
      writeScaleLake({
        scale,
        dir,
        timeZone: TIME_ZONE,
        onProgress: (done, total) => {
          if (done % 20 === 0 || done === total) console.error(`×${scale}: raw parts ${done}/${total}`);
        },
      }),
    );
    const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone: TIME_ZONE });
    try {
      await step('stage', () => stage(db, { time_zone: TIME_ZONE }));
      await step('resolve identities', async () => {
        await createInputTable(db, 'select * from stg_identity_records');
        await resolveIdentities(db, lakeStore(db), { asOf: DEFAULT_AS_OF, now: DEFAULT_AS_OF });
      });
    } finally {
      db.close();
    }
  });
  return dir;
}

async function measureOnce(dir: string): Promise<RunResult> {
  const lake = new Lake({ kind: 'local', dir });
  for (const table of RULE_STATE) await lake.dropTable(table);
  const started = performance.now();
  const db = await Database.open(lake, { timeZone: TIME_ZONE });
  try {
    const timeline = await buildTimeline(db, { timeZone: TIME_ZONE });
    const timelineDone = performance.now();
    const rules = await discoverRules();
    const result = await runRules(db, {
      asOf: AS_OF_DAY,
      now: DEFAULT_AS_OF,
      config: await loadRulesConfig(rules),
    });
    const finished = performance.now();
    return {
      events: timeline.events,
      attached: timeline.attached,
      openFlags: result.openFlags,
      timelineSeconds: (timelineDone - started) / 1000,
      rulesSeconds: (finished - timelineDone) / 1000,
      seconds: (finished - started) / 1000,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    db.close();
  }
}

function inChild(dir: string): Promise<RunResult> {
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  return new Promise((resolve, reject) => {
    execFile(
      tsx,
      [path.join(root, 'bench/timeline.ts'), 'run', dir],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as RunResult);
      },
    );
  });
}
