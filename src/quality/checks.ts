import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formatTable } from '../commands/format.ts';
import { type Database, PARQUET_WRITE_OPTIONS, type SqlParams, sqlString } from '../sql/database.ts';
import { queriesDir, readQueryFile } from '../sql/query-files.ts';

/** `state/quality_results` (view `quality_results`): every check of every run, append-only. */
export const qualityResultsKey = 'state/quality_results';
export const checksDir = path.join(queriesDir, 'quality');

const headerSchema = z.object({
  severity: z.enum(['error', 'warn'], { error: 'severity must be error or warn' }),
  threshold: z.coerce.number({ error: 'threshold must be a number' }).optional(),
});

export interface QualityCheck {
  name: string;
  description: string;
  severity: 'error' | 'warn';
  /** Given to the query as `$threshold`: the check's tolerance, in the unit its description names. */
  threshold: number | undefined;
  sql: string;
  parameters: string[];
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

/** Logs that exist only once something was logged; before that, the checks read them as empty. */
const emptyLogs: Record<string, string> = {
  'state/rejected_records': `select null::varchar as run_id, null::varchar as source, null::varchar as stream,
    null::varchar as record_id, null::varchar as reason, null::varchar as payload, null::timestamptz as rejected_at
    where false`,
  'state/fetch_state': `select null::varchar as source, null::varchar as stream, null::timestamptz as last_success_at,
    null::timestamptz as window_since, null::timestamptz as window_until, null::varchar as run_id,
    null::bigint as records where false`,
};

/** What a check's query may use besides `$threshold`. */
export interface CheckContext {
  /** Today in the gym's time zone, YYYY-MM-DD. */
  asOf: string;
  now: Date;
  timeZone: string;
}

/**
 * Every `queries/quality/<name>.sql`: a query returning the check's FAILING rows. Its leading
 * comment is the description, with `-- severity: error|warn` and optionally `-- threshold: N`.
 */
export async function loadChecks(dir = checksDir): Promise<QualityCheck[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const checks: QualityCheck[] = [];
  for (const file of files) {
    const name = file.slice(0, -'.sql'.length);
    const query = await readQueryFile(`quality/${name}`, path.dirname(dir));
    const header: Record<string, string> = {};
    const description: string[] = [];
    for (const line of query.sql.split('\n')) {
      if (!line.startsWith('--')) break;
      const text = line.replace(/^--\s?/, '');
      const field = /^(severity|threshold):\s*(.+)$/.exec(text);
      if (field) header[field[1]!] = field[2]!.trim();
      else description.push(text.trim());
    }
    const parsed = headerSchema.safeParse(header);
    if (!parsed.success) throw new Error(`${query.file}: ${parsed.error.issues[0]?.message}`);
    const usesThreshold = query.parameters.includes('threshold');
    if (usesThreshold !== (parsed.data.threshold !== undefined))
      throw new Error(`${query.file}: a "-- threshold:" line and $threshold in the query go together`);
    checks.push({
      name,
      description: description.join(' ').trim(),
      severity: parsed.data.severity,
      threshold: parsed.data.threshold,
      sql: query.sql,
      parameters: query.parameters,
      file: query.file,
    });
  }
  return checks;
}

/** Runs every check. A check whose query fails (a table missing) fails, with the error as its sample. */
export async function runChecks(
  db: Database,
  checks: QualityCheck[],
  context: CheckContext,
): Promise<CheckResult[]> {
  const available: SqlParams = { as_of: context.asOf, now: context.now, time_zone: context.timeZone };
  const present = new Set((await db.lake.listTables()).map((t) => t.key));
  for (const [key, empty] of Object.entries(emptyLogs)) {
    if (!present.has(key)) await db.run(`create or replace temp view ${key.split('/')[1]} as ${empty}`);
  }
  const results: CheckResult[] = [];
  for (const check of checks) {
    const params: SqlParams = {};
    for (const name of check.parameters) {
      if (name === 'threshold') params[name] = check.threshold ?? null;
      else if (name in available) params[name] = available[name]!;
      else
        throw new Error(`${check.file} uses $${name}; checks can use $threshold, $as_of, $now, $time_zone`);
    }
    const base = {
      check_name: check.name,
      description: check.description,
      severity: check.severity,
      threshold: check.threshold ?? null,
    };
    try {
      const [count] = await db.query(`select count(*)::bigint as n from (${check.sql})`, params);
      const failing = Number(count?.n ?? 0);
      const sample = failing > 0 ? await db.query(`select * from (${check.sql}) limit 5`, params) : [];
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
    const [row] = await db.runQuery('quality/headline/metrics');
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
