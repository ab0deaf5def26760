import path from 'node:path';
import { CliError, ExitCode } from '../errors.ts';
import { type Database, sqlIdentifier, sqlString } from '../sql/database.ts';

/** The resolver's input contract: one row per person-bearing source record. Only `record_id` is required. */
export const PERSON_COLUMNS = [
  'record_id',
  'source',
  'first_name',
  'last_name',
  'full_name',
  'email',
  'phone',
  'birth_date',
  'address',
  'city',
  'postal_code',
] as const;

/**
 * Optional columns the pipeline passes when it has them:
 * - `preferred_name`: a name the person goes by (Capitan's preferred name), an alternative first name;
 * - `capitan_customer_id`, `stripe_customer_id`, `square_customer_id`: the source account the record
 *   belongs to (a Stripe charge carries its customer); records sharing one are the same person;
 * - `membership_owner_id`: the Capitan customer id owning the membership a payment names
 *   (`Capitan membership #N`); the payment joins its owner unless names or birth dates disagree, when
 *   it is a household link (a parent paying a child's dues);
 * - `household_hint`: keys, separated by `|`, shared by records the source says are different people
 *   of one household (`family:<parent capitan id>` on a parent and each child from CHI/PRE relations,
 *   `siblings:<a>-<b>`, `membership:<id>` on the members of a family membership). Records sharing a
 *   key become one household and are never merged into one customer;
 * - `seen_at`: when the source saw the record (created or paid at), for first/last seen and recency;
 * - `national_id`, `gender`, `state`: person evidence many files carry (a social security or other
 *   national number, compared allowing one typo; a gender; a state or province).
 */
export const OPTIONAL_COLUMNS = [
  'preferred_name',
  'capitan_customer_id',
  'stripe_customer_id',
  'square_customer_id',
  'membership_owner_id',
  'household_hint',
  'seen_at',
  'national_id',
  'gender',
  'state',
] as const;

export const INPUT_COLUMNS = [...PERSON_COLUMNS, ...OPTIONAL_COLUMNS] as const;
export type InputColumn = (typeof INPUT_COLUMNS)[number];
export type IdentityRecord = Partial<Record<InputColumn, string | null>> & { record_id: string };

export interface InputSummary {
  records: number;
  /** Contract columns the input lacked (all treated as empty). */
  absentColumns: string[];
}

/** Loads a CSV or Parquet file into `id_input`; `truthColumn` is carried along as `truth_label`. */
export async function loadInputFile(db: Database, file: string, truthColumn?: string): Promise<InputSummary> {
  const ext = path.extname(file).toLowerCase();
  const reader =
    ext === '.parquet'
      ? `read_parquet(${sqlString(file)})`
      : ext === '.csv' || ext === '.tsv' || ext === '.txt'
        ? `read_csv(${sqlString(file)}, header = true, all_varchar = true)`
        : null;
  if (!reader) throw new CliError(`--input ${file}: expected a .csv or .parquet file`, ExitCode.usage);
  return createInputTable(db, `select * from ${reader}`, truthColumn, file);
}

/**
 * Builds `id_input` from any select over the contract's columns (a file, the lake's
 * `stg_identity_records`, rows appended by a test). Every column becomes trimmed text, empty as null.
 */
export async function createInputTable(
  db: Database,
  selectSql: string,
  truthColumn?: string,
  label = 'input',
): Promise<InputSummary> {
  let present: string[];
  try {
    present = (await db.query(`describe ${selectSql}`)).map((r) => String(r.column_name));
  } catch (error) {
    throw new CliError(`${label}: cannot read it (${(error as Error).message})`, ExitCode.usage);
  }
  const missing = ['record_id', ...(truthColumn ? [truthColumn] : [])].filter((c) => !present.includes(c));
  if (missing.length > 0) {
    throw new CliError(
      `${label}: missing column(s) ${missing.map((c) => `\`${c}\``).join(', ')}`,
      ExitCode.usage,
    );
  }
  const text = (column: string) => `nullif(trim(cast(${sqlIdentifier(column)} as varchar)), '')`;
  const columns = INPUT_COLUMNS.map((c) =>
    present.includes(c) ? `${text(c)} as ${c}` : `null::varchar as ${c}`,
  );
  if (truthColumn) columns.push(`${text(truthColumn)} as truth_label`);
  await db.run(`create or replace table id_input as select ${columns.join(', ')} from (${selectSql})`);
  const [check] = await db.query(
    `select count(*)::bigint as n, count(record_id)::bigint as with_id,
            count(distinct record_id)::bigint as distinct_ids from id_input`,
  );
  const n = Number(check?.n ?? 0);
  if (Number(check?.with_id) !== n)
    throw new CliError(`${label}: ${n - Number(check?.with_id)} row(s) have no record_id`, ExitCode.usage);
  if (Number(check?.distinct_ids) !== n) {
    throw new CliError(
      `${label}: record_id must be unique; ${n - Number(check?.distinct_ids)} row(s) repeat one`,
      ExitCode.usage,
    );
  }
  return { records: n, absentColumns: INPUT_COLUMNS.filter((c) => !present.includes(c)) };
}

/**
 * Puts records (and optionally a label per record, as `truth_label`) into a DuckDB table with the
 * contract's columns, for tests, the benchmark and the sandbox measurements.
 */
export async function createRecordsTable(
  db: Database,
  table: string,
  records: readonly IdentityRecord[],
  labels?: ReadonlyMap<string, string>,
): Promise<void> {
  const columns = [...INPUT_COLUMNS, ...(labels ? ['truth_label'] : [])];
  await db.run(
    `create or replace table ${sqlIdentifier(table)} (${columns.map((c) => `${sqlIdentifier(c)} varchar`).join(', ')})`,
  );
  await db.appendRows(
    table,
    records.map((r) => [
      ...INPUT_COLUMNS.map((c) => r[c] ?? null),
      ...(labels ? [labels.get(r.record_id) ?? null] : []),
    ]),
  );
}
