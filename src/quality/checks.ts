import { z } from 'zod';
import { formatTable } from '../commands/format.ts';
import { loadModelGraph, openRunner } from '../pipeline/model-graph.ts';
import { type Database, PARQUET_WRITE_OPTIONS, sqlString } from '../sql/database.ts';

/** `state/quality_results` (view `quality_results`): every check of every run, append-only. */
export const qualityResultsKey = 'state/quality_results';

const headerSchema = z.object({
  severity: z.enum(['error', 'warn'], { error: 'severity must be error or warn' }),
  threshold: z.coerce.number({ error: 'threshold must be a number' }).optional(),
});

export interface QualityCheck {
  /** Its model: `quality/<name>`. */
  id: string;
  name: string;
  description: string;
  severity: 'error' | 'warn';
  /** Given to the query as `$threshold`: the check's tolerance, in the unit its description names. */
  threshold: number | undefined;
  file: string;
}

export interface CheckResult {
  check_name: string;
  description: string;
  severity: 'error' | 'warn';
  threshold: number | null;
  failing_rows: number | null;
  status: 'pass' | 'fail';
  /** Up to five failing rows as JSON text; when the query itself failed, its error. */
  sample: string;
}

/** What a check's query may use besides `$threshold`. */
export interface CheckContext {
  /** Today in the gym's time zone, YYYY-MM-DD. */
  asOf: string;
  now: Date;
  timeZone: string;
}

/**
 * Every `queries/quality/<name>.sql`: a query model returning the check's FAILING rows. Its leading
 * comment is the description, with `-- severity: error|warn` and optionally `-- threshold: N`.
 */
export async function loadChecks(): Promise<QualityCheck[]> {
  const graph = await loadModelGraph();
  const checks: QualityCheck[] = [];
  for (const model of graph.select((m) => m.kind === 'sql' && /^quality\/[^/]+$/.test(m.id))) {
    if (model.kind !== 'sql') continue;
    const parsed = headerSchema.safeParse(model.header);
    if (!parsed.success) throw new Error(`${model.file}: ${parsed.error.issues[0]?.message}`);
    const usesThreshold = model.parameters.includes('threshold');
    if (usesThreshold !== (parsed.data.threshold !== undefined))
      throw new Error(`${model.file}: a "-- threshold:" line and $threshold in the query go together`);
    const unknown = model.parameters.filter((p) => !['threshold', 'as_of', 'now', 'time_zone'].includes(p));
    if (unknown.length > 0)
      throw new Error(
        `${model.file} uses $${unknown.join(', $')}; checks can use $threshold, $as_of, $now, $time_zone`,
      );
    checks.push({
      id: model.id,
      name: model.name,
      description: model.description,
      severity: parsed.data.severity,
      threshold: parsed.data.threshold,
      file: model.file,
    });
  }
  return checks.sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs every check. A check whose query fails (a table missing) fails, with the error as its sample. */
export async function runChecks(
  db: Database,
  checks: QualityCheck[],
  context: CheckContext,
): Promise<CheckResult[]> {
  const runner = await openRunner(db, { vars: { time_zone: context.timeZone } });
  const results: CheckResult[] = [];
  for (const check of checks) {
    const base = {
      check_name: check.name,
      description: check.description,
      severity: check.severity,
      threshold: check.threshold ?? null,
    };
    try {
      const { sql, params } = await runner.compile(check.id, {
        as_of: context.asOf,
        now: context.now,
        threshold: check.threshold ?? null,
      });
      const [count] = await db.query(`select count(*)::bigint as n from (${sql})`, params);
      const failing = Number(count?.n ?? 0);
      const sample = failing > 0 ? await db.query(`select * from (${sql}) limit 5`, params) : [];
      results.push({
        ...base,
        failing_rows: failing,
        status: failing > 0 ? 'fail' : 'pass',
        sample: JSON.stringify(sample, jsonValue),
      });
    } catch (error) {
      results.push({
        ...base,
        failing_rows: null,
        status: 'fail',
        sample: JSON.stringify({ error: (error as Error).message.split('\n')[0] }),
      });
    }
  }
  return results;
}

/** Appends one run's results to `state/quality_results`. */
export async function storeResults(
  db: Database,
  runId: string,
  checkedAt: Date,
  results: CheckResult[],
): Promise<void> {
  const table = 'incoming_quality_results';
  await db.run(
    `create or replace temp table ${table} (check_name varchar, description varchar, severity varchar,
       threshold varchar, failing_rows varchar, status varchar, sample varchar)`,
  );
  await db.appendRows(
    table,
    results.map((r) => [
      r.check_name,
      r.description,
      r.severity,
      r.threshold === null ? null : String(r.threshold),
      r.failing_rows === null ? null : String(r.failing_rows),
      r.status,
      r.sample,
    ]),
  );
  const partId = runId.replace(/[^A-Za-z0-9_.-]/g, '_');
  await db.lake.appendPart(qualityResultsKey, partId, (tmp) =>
    db.run(
      `copy (
         select $run_id as run_id, $checked_at::timestamptz as checked_at, check_name, description, severity,
                threshold::double as threshold, failing_rows::bigint as failing_rows, status, sample
         from ${table} order by check_name
       ) to ${sqlString(tmp)} ${PARQUET_WRITE_OPTIONS}`,
      { run_id: runId, checked_at: checkedAt },
    ),
  );
  await db.run(`drop table ${table}`);
  await db.refreshViews();
}

/** The results as a table, then each failing check's first failing row. */
export function formatResults(results: CheckResult[]): string {
  const table = formatTable(
    results.map((r) => ({
      check: r.check_name,
      severity: r.severity,
      status: r.status === 'pass' ? 'pass' : 'FAIL',
      'failing rows': r.failing_rows ?? 'error',
      threshold: r.threshold === null ? '' : String(r.threshold),
    })),
  );
  const details = results
    .filter((r) => r.status === 'fail')
    .map((r) => {
      const sample = JSON.parse(r.sample) as unknown;
      const first = Array.isArray(sample) ? sample[0] : sample;
      return `  ${r.check_name} (${r.severity}): ${r.description}\n    e.g. ${JSON.stringify(first)}`;
    });
  return details.length > 0 ? `${table}\n${details.join('\n')}` : table;
}

export function errorFailures(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === 'fail' && r.severity === 'error');
}

export interface HeadlineMetrics {
  total_customers: number;
  customers_with_events: number;
  pct_customers_with_events: number | null;
  total_events: number;
  pct_null_dates: number | null;
  pct_exact: number | null;
  pct_medium: number | null;
  pct_low: number | null;
  pct_unmatched: number | null;
}

/** The seed's headline figures; undefined when the core tables are not there yet. */
export async function headlineMetrics(db: Database): Promise<HeadlineMetrics | undefined> {
  try {
    const [row] = await (await openRunner(db)).rows('quality/headline/metrics');
    if (!row) return undefined;
    return Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, v === null ? null : Number(v)]),
    ) as unknown as HeadlineMetrics;
  } catch {
    return undefined;
  }
}

export function formatHeadline(m: HeadlineMetrics): string[] {
  const pct = (v: number | null) => (v === null ? 'n/a' : `${v}%`);
  return [
    `total customers: ${m.total_customers.toLocaleString('en-US')}`,
    `customers with events: ${m.customers_with_events.toLocaleString('en-US')} (${pct(m.pct_customers_with_events)})`,
    `total events: ${m.total_events.toLocaleString('en-US')}`,
    `null event dates: ${pct(m.pct_null_dates)}`,
    `event confidence: exact ${pct(m.pct_exact)}, medium ${pct(m.pct_medium)}, low ${pct(m.pct_low)}, unmatched ${pct(m.pct_unmatched)}`,
  ];
}

/** Big integers (64-bit event ids) stay exact as text; smaller ones become numbers. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
}
