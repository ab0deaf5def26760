/**
 * Identity quality benchmark: how well `resolve` finds people on data with known truth.
 *
 *   npx tsx bench/identity-quality.ts [--only febrl1,febrl2] [--dev-sets ../shared/identity-dev]
 *   (or npm run bench:identity, with its options after `--`)
 *
 * Runs the resolver over the sandbox demo gym's identity records (generator truth), the two
 * development sets in ../shared/identity-dev/ (Febrl, with and without `national_id`), and prints for
 * each, and for each hard-case corpus (src/evaluate/hard-corpora.ts): pairwise precision, recall and
 * F1, B-cubed F1, blocking recall (share of true pairs that became candidates), must-not-merge
 * violations (true people of one household merged through a contact they share, for the sandbox;
 * two people of one family in one customer, for the corpora) and seconds. Writes bench/results/identity-quality.json.
 */
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from '../src/commands/format.ts';
import { type HardCorpus, hardCorpora } from '../src/evaluate/hard-corpora.ts';
import { sandboxIdentityRecords } from '../src/evaluate/sandbox-records.ts';
import {
  evaluateClusters,
  householdMerges,
  personalTiesCeiling,
  type TiesCeiling,
} from '../src/identity/evaluate.ts';
import { createInputTable, createRecordsTable } from '../src/identity/input.ts';
import { resolveIdentities } from '../src/identity/resolve.ts';
import { folderStore } from '../src/identity/store.ts';
import { Lake } from '../src/lake/lake.ts';
import { generateGym } from '../src/sandbox/generate.ts';
import { Database, sqlString } from '../src/sql/database.ts';
import { exitWithHelpIfAsked } from './measure.ts';

const root = path.resolve(import.meta.dirname, '..');
const resultsFile = path.join(root, 'bench/results/identity-quality.json');

interface CaseResult {
  name: string;
  records: number;
  precision: number;
  recall: number;
  f1: number;
  bcubedF1: number;
  blockingRecall: number | null;
  mustNotMergeViolations: number | null;
  seconds: number;
  /** For a corpus of families: the recall and F1 reachable with no two people of a home merged. */
  tiesCeiling?: TiesCeiling;
}

interface BenchCase {
  name: string;
  asOf: Date;
  /** Fills `id_input` (with `truth_label`) in `db`, and, when the case has them, `must_not_merge`. */
  load: (db: Database) => Promise<void>;
  /** Violations after the run, read from the output folder. */
  violations?: (db: Database, out: string) => Promise<number>;
  /** Whether to measure the personal-ties ceiling (a corpus whose homes hold several people). */
  families?: boolean;
}

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({ options: { only: { type: 'string' }, 'dev-sets': { type: 'string' } } });
/** The development sets sit beside the checkout (../shared), or beside the worktrees' folder. */
const devSets =
  values['dev-sets'] ??
  (await firstExisting([
    path.resolve(root, '../shared/identity-dev'),
    path.resolve(root, '../../shared/identity-dev'),
  ]));
const only = values.only?.split(',');

const resolvedSql = (out: string) =>
  `(select r.record_id, r.customer_id, i.truth_label
    from read_parquet(${sqlString(path.join(out, 'resolved_records.parquet'))}) as r
    join id_input as i using (record_id))`;

function devSetCase(file: string, withNationalId: boolean): BenchCase {
  const csv = `read_csv(${sqlString(path.join(devSets, file))}, header = true, all_varchar = true)`;
  return {
    name: `${path.basename(file, '.csv')}${withNationalId ? '' : ' without national_id'}`,
    asOf: new Date('2026-11-20T12:00:00Z'),
    load: async (db) => {
      await createInputTable(
        db,
        `select * ${withNationalId ? '' : 'exclude (national_id)'} from ${csv}`,
        'truth',
      );
    },
  };
}

function sandboxCase(): BenchCase {
  const gym = generateGym({ size: 'demo' });
  const { records, truth, households } = sandboxIdentityRecords(gym);
  return {
    name: 'sandbox demo gym',
    asOf: gym.asOf,
    load: async (db) => {
      await createRecordsTable(db, 'bench_records', records, truth);
      await createInputTable(db, 'select * from bench_records', 'truth_label');
      await db.run('create or replace table true_households (truth_label varchar, household_id varchar)');
      await db.appendRows('true_households', [...households]);
    },
    violations: async (db, out) =>
      (
        await householdMerges(
          db,
          resolvedSql(out),
          `(select * from read_parquet(${sqlString(path.join(out, 'customer_identifiers.parquet'))}))`,
          'true_households',
        )
      ).length,
  };
}

/** One of the hard-case corpora; a violation is two true people of one family in one customer. */
function corpusCase(corpus: HardCorpus): BenchCase {
  return {
    name: corpus.name,
    families: new Set(corpus.families.values()).size < corpus.families.size,
    asOf: new Date('2026-11-20T12:00:00Z'),
    load: async (db) => {
      await createRecordsTable(db, 'bench_records', corpus.records, corpus.truth);
      await createInputTable(db, 'select * from bench_records', 'truth_label');
      await db.run('create or replace table true_families (truth_label varchar, family varchar)');
      await db.appendRows('true_families', [...corpus.families]);
    },
    violations: async (db, out) => {
      const [row] = await db.query(
        `with people as (
           select distinct r.customer_id, r.truth_label, f.family
           from ${resolvedSql(out)} as r
           join true_families as f using (truth_label)
         )
         select count(*)::bigint as n
         from people as a
         join people as b
           on b.customer_id = a.customer_id and b.family = a.family and b.truth_label > a.truth_label`,
      );
      return Number(row?.n ?? 0);
    },
  };
}

async function runCase(benchCase: BenchCase): Promise<CaseResult> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-identity-'));
  const db = await Database.open(new Lake({ kind: 'local', dir: path.join(work, 'lake') }), {
    timeZone: 'UTC',
  });
  try {
    await benchCase.load(db);
    const out = path.join(work, 'out');
    const started = performance.now();
    const summary = await resolveIdentities(db, folderStore(db, out), {
      asOf: benchCase.asOf,
      now: benchCase.asOf,
      keepWorkTables: benchCase.families,
    });
    const seconds = (performance.now() - started) / 1000;
    const quality = await evaluateClusters(db, resolvedSql(out));
    return {
      name: benchCase.name,
      records: summary.records,
      precision: quality.precision,
      recall: quality.recall,
      f1: quality.f1,
      bcubedF1: quality.bcubedF1,
      blockingRecall: summary.blockingRecall,
      mustNotMergeViolations: benchCase.violations ? await benchCase.violations(db, out) : null,
      seconds,
      ...(benchCase.families ? { tiesCeiling: await personalTiesCeiling(db) } : {}),
    };
  } finally {
    db.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function firstExisting(dirs: string[]): Promise<string> {
  for (const dir of dirs) if (await exists(dir)) return dir;
  return dirs[0]!;
}

const cases: (() => BenchCase)[] = [() => sandboxCase()];
if (await exists(devSets)) {
  for (const file of ['febrl1.csv', 'febrl2.csv']) {
    cases.push(
      () => devSetCase(file, true),
      () => devSetCase(file, false),
    );
  }
} else {
  console.log(`(${devSets} not found: the development sets are skipped)`);
}

for (const corpus of hardCorpora()) cases.push(() => corpusCase(corpus));

const results: CaseResult[] = [];
for (const make of cases) {
  const benchCase = make();
  if (only && !only.some((o) => benchCase.name.startsWith(o))) continue;
  const result = await runCase(benchCase);
  results.push(result);
  console.log(`${result.name}: F1 ${result.f1.toFixed(4)} (${result.seconds.toFixed(1)} s)`);
}

const round = (x: number | null) => (x === null ? '—' : x.toFixed(4));
console.log(
  formatTable(
    results.map((r) => ({
      set: r.name,
      records: r.records,
      precision: round(r.precision),
      recall: round(r.recall),
      F1: round(r.f1),
      'B-cubed F1': round(r.bcubedF1),
      'blocking recall': round(r.blockingRecall),
      'must-not-merge violations': r.mustNotMergeViolations ?? '—',
      seconds: r.seconds.toFixed(1),
    })),
  ),
);
for (const r of results) {
  if (!r.tiesCeiling) continue;
  const c = r.tiesCeiling;
  console.log(
    `${r.name}: ${c.tiedPairs} of ${c.truePairs} true pairs are tied by a birth date, an email of one person's, a national id or a Jr/Sr suffix;` +
      ` with no two people of a home merged, recall ≤ ${round(c.recall)} and F1 ≤ ${round(c.f1)}`,
  );
}
await mkdir(path.dirname(resultsFile), { recursive: true });
await writeFile(
  resultsFile,
  `${JSON.stringify({ machine: { cpus: os.cpus().length, loadAverage: os.loadavg() }, results }, null, 2)}\n`,
);
console.log(`written to ${path.relative(root, resultsFile)}`);
