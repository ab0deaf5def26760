/**
 * Identity resolution benchmark. Guards against: resolving 1,000,000 identity records taking more
 * than 60 s or 4 GB on the 2-core machine, and the demo gym's resolution getting slower or worse.
 *
 *   npx tsx bench/resolve.ts [--runs 3] [--scale-source synthetic|sandbox] [--records 1000000]
 *
 * The demo gym's identity records (from the sandbox generator, with its truth) are resolved --runs
 * times; the median wall time is quoted with the pairwise and B-cubed quality. The large input is
 * the sandbox gym generated at 27 times the demo (about 1,000,000 identity records, with truth; it
 * takes minutes and ~6 GB to generate, once, then it is cached), or the resolver's synthetic noisy
 * people (--records of them). Every run is its own process, so its peak memory (max RSS: Node and
 * DuckDB together) is its own. Inputs are cached in bench/results/resolve-inputs/; results go to
 * bench/results/resolve.json.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sandboxIdentityRecords } from '../src/evaluate/sandbox-records.ts';
import { generateSynthetic } from '../src/evaluate/synthetic.ts';
import { evaluateClusters } from '../src/identity/evaluate.ts';
import { createRecordsTable, loadInputFile } from '../src/identity/input.ts';
import { resolveIdentities } from '../src/identity/resolve.ts';
import { folderStore } from '../src/identity/store.ts';
import { Lake } from '../src/lake/lake.ts';
import { generateGym } from '../src/sandbox/generate.ts';
import { Database, sqlString } from '../src/sql/database.ts';
import { exitWithHelpIfAsked } from './measure.ts';

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'bench/results');
const inputsDir = path.join(resultsDir, 'resolve-inputs');
const MEMORY_LIMIT = '2500MB';

interface RunResult {
  records: number;
  customers: number;
  seconds: number;
  peakRssMb: number;
  precision: number;
  recall: number;
  f1: number;
  bcubedF1: number;
  steps: { step: string; seconds: number }[];
}

/** The sandbox gym at this factor of the demo gives about a million identity records. */
const SANDBOX_SCALE = 27;

exitWithHelpIfAsked(import.meta.filename);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    records: { type: 'string', default: '1000000' },
    'scale-source': { type: 'string', default: 'sandbox' },
  },
});

if (positionals[0] === 'run') {
  process.stdout.write(`${JSON.stringify(await runOnce(positionals[1]!))}\n`);
} else if (positionals[0] === 'make-sandbox') {
  const gym = generateGym({ size: Number(positionals[1]) });
  const { records, truth } = sandboxIdentityRecords(gym);
  await writeInput(positionals[2]!, records, truth);
} else {
  await main(Number(values.runs), values['scale-source'] === 'synthetic' ? Number(values.records) : null);
}

async function main(runs: number, syntheticRecords: number | null): Promise<void> {
  await mkdir(inputsDir, { recursive: true });
  const demoInput = path.join(inputsDir, 'demo.parquet');
  const scaleInput = path.join(
    inputsDir,
    syntheticRecords ? `synthetic-${syntheticRecords}.parquet` : `sandbox-x${SANDBOX_SCALE}.parquet`,
  );
  if (!(await exists(demoInput))) {
    const gym = generateGym({ size: 'demo' });
    const { records, truth } = sandboxIdentityRecords(gym);
    await writeInput(demoInput, records, truth);
  }
  if (!(await exists(scaleInput))) {
    if (syntheticRecords) {
      const { records, truth } = generateSynthetic({ records: syntheticRecords });
      await writeInput(scaleInput, records, truth);
    } else {
      await makeSandboxInput(scaleInput);
    }
  }
  const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));

  const demo: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    demo.push(await inChild(demoInput));
    console.log(`demo run ${i + 1}: ${demo.at(-1)!.seconds.toFixed(1)} s, ${demo.at(-1)!.peakRssMb} MB`);
  }
  const loadBeforeScale = load();
  const scale = await inChild(scaleInput);
  console.log(
    `${scale.records.toLocaleString('en-US')} records: ${scale.seconds.toFixed(1)} s, ${scale.peakRssMb} MB`,
  );

  const result = {
    machine: {
      cpus: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: loadBeforeScale,
    },
    duckdbMemoryLimit: MEMORY_LIMIT,
    demo: {
      input: 'sandbox demo gym, identity records with the generator truth',
      records: demo[0]!.records,
      customers: demo[0]!.customers,
      runs: demo.map((r) => r.seconds),
      medianSeconds: median(demo.map((r) => r.seconds)),
      peakRssMb: Math.max(...demo.map((r) => r.peakRssMb)),
      quality: pickQuality(demo[0]!),
    },
    scale: {
      input: syntheticRecords
        ? 'synthetic noisy people (src/evaluate/synthetic.ts) with their truth'
        : `sandbox gym at ${SANDBOX_SCALE}x the demo, identity records with the generator truth`,
      records: scale.records,
      customers: scale.customers,
      seconds: scale.seconds,
      peakRssMb: scale.peakRssMb,
      quality: pickQuality(scale),
      slowestSteps: [...scale.steps].sort((a, b) => b.seconds - a.seconds).slice(0, 12),
    },
  };
  await writeFile(path.join(resultsDir, 'resolve.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

/** One resolution in this process: load the input, resolve into a temp folder, evaluate. */
async function runOnce(input: string): Promise<RunResult> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-resolve-'));
  const db = await Database.open(new Lake({ kind: 'local', dir: path.join(work, 'lake') }), {
    timeZone: 'UTC',
    memoryLimit: MEMORY_LIMIT,
  });
  try {
    await db.run(`set temp_directory = ${sqlString(path.join(work, 'spill'))}`);
    const started = performance.now();
    await loadInputFile(db, input, 'truth_label');
    await db.run('create table bench_truth as select record_id, truth_label from id_input');
    const out = path.join(work, 'out');
    const summary = await resolveIdentities(db, folderStore(db, out), {
      asOf: new Date('2026-11-20T12:00:00Z'),
      now: new Date('2026-11-20T12:00:00Z'),
    });
    const seconds = (performance.now() - started) / 1000;
    const quality = await evaluateClusters(
      db,
      `(select r.record_id, r.customer_id, t.truth_label
        from read_parquet(${sqlString(path.join(out, 'resolved_records.parquet'))}) as r
        join bench_truth as t using (record_id))`,
    );
    return {
      records: summary.records,
      customers: summary.customers,
      seconds,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      precision: quality.precision,
      recall: quality.recall,
      f1: quality.f1,
      bcubedF1: quality.bcubedF1,
      steps: summary.timings,
    };
  } finally {
    db.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** The sandbox gym at scale is generated in a child with room for it (~6 GB of heap). */
function makeSandboxInput(file: string): Promise<void> {
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  return new Promise((resolve, reject) => {
    execFile(
      tsx,
      [path.join(root, 'bench/resolve.ts'), 'make-sandbox', String(SANDBOX_SCALE), file],
      { env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=12000' }, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
    );
  });
}

function inChild(input: string): Promise<RunResult> {
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  return new Promise((resolve, reject) => {
    execFile(
      tsx,
      [path.join(root, 'bench/resolve.ts'), 'run', input],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as RunResult);
      },
    );
  });
}

async function writeInput(
  file: string,
  records: Parameters<typeof createRecordsTable>[2],
  truth: ReadonlyMap<string, string>,
): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-input-'));
  const db = await Database.open(new Lake({ kind: 'local', dir: work }), { timeZone: 'UTC' });
  try {
    await createRecordsTable(db, 'bench_records', records, truth);
    await db.run(`copy bench_records to ${sqlString(file)} (format parquet, compression zstd)`);
  } finally {
    db.close();
    await rm(work, { recursive: true, force: true });
  }
}

function pickQuality(r: RunResult) {
  return { precision: r.precision, recall: r.recall, f1: r.f1, bcubedF1: r.bcubedF1 };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
