/**
 * The labelled member-months, from the lake alone: for each as-of date T, every member on a membership
 * at T, with features as of T (`queries/churn/churn_features.sql`) and, where the lake has seen the 90
 * days after T, whether their membership ended in them (`queries/churn/churn_labels.sql`).
 */
import type { ModelRunner } from '../models/runner.ts';
import type { ResultColumn } from '../sql/database.ts';
import { FEATURES, type MemberMonth } from './features.ts';
import type { Design } from './logistic.ts';

/** The horizon `rules evaluate` judges ChurnRisk on: a churn within 90 days of the flag. */
export const HORIZON_DAYS = 90;
/** How far back the features look (visit counts, purchases, email, declined payments). */
export const LOOKBACK_DAYS = 182;

export interface MemberMonths {
  rows: number;
  /** Numbers as Float64Arrays (NaN where null: see `valueAt`); text, flags and `churned` as JS values. */
  columns: Record<string, ResultColumn>;
}

/** Month-end dates from `first`'s month to `last` (inclusive of a month-end equal to `last`). */
export function monthEnds(first: string, last: string): string[] {
  const dates: string[] = [];
  const start = new Date(`${first.slice(0, 7)}-01T00:00:00Z`);
  for (let m = 1; ; m++) {
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + m, 0));
    const iso = end.toISOString().slice(0, 10);
    if (iso > last) return dates;
    dates.push(iso);
  }
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The newest day the lake holds check-ins for: the data's as-of date. */
export async function dataAsOf(runner: ModelRunner): Promise<string> {
  const [row] = await runner.db.query(
    "select max(event_local_date)::varchar as day from customer_events where event_type = 'checkin'",
  );
  if (!row?.day) throw new Error('customer_events holds no check-in: build the timeline first');
  return String(row.day);
}

/** The first day any membership started: where member-months can begin. */
export async function firstMembershipDay(runner: ModelRunner): Promise<string> {
  const [row] = await runner.db.query(
    'select min(started_on)::varchar as day from customer_memberships where is_membership',
  );
  if (!row?.day) throw new Error('customer_memberships holds no membership');
  return String(row.day);
}

/**
 * Member-months at the given as-of dates: features, and `churned` (null where the 90 days after T
 * reach past `asOf`, the last day the lake has seen).
 */
export async function memberMonths(
  runner: ModelRunner,
  options: { asOfDates: string[]; asOf: string },
): Promise<MemberMonths> {
  const asOfDates = options.asOfDates.join(',');
  const features = await runner.compile('churn/churn_features', {
    as_of_dates: asOfDates,
    lookback_days: LOOKBACK_DAYS,
  });
  const labels = await runner.compile('churn/churn_labels', {
    as_of_dates: asOfDates,
    horizon_days: HORIZON_DAYS,
    as_of: options.asOf,
  });
  await runner.db.run(`create or replace temp table churn_feature_rows as ${features.sql}`, features.params);
  await runner.db.run(`create or replace temp table churn_label_rows as ${labels.sql}`, labels.params);
  // Counts arrive as doubles, read into typed arrays: 1.5M rows of 64-bit integers (BigInt) or of JS
  // numbers cost seconds more. Nulls arrive as NaN already: a column holding a null is read with a
  // validity test per value (BigInt arithmetic in @duckdb/node-api), several times slower.
  const columns = await runner.db.typedColumns(
    `select f.customer_id, f.as_of::varchar as as_of, f.membership_name, f.frequency, f.is_fixed_term,
            f.is_owner, f.is_frozen,
            coalesce(
              columns(f.* exclude (customer_id, as_of, membership_name, frequency, is_fixed_term, is_owner, is_frozen))::double,
              'NaN'::double
            ),
            l.churned
     from churn_feature_rows as f left join churn_label_rows as l using (customer_id, as_of)
     order by f.as_of, f.customer_id`,
  );
  await runner.db.run('drop table churn_feature_rows; drop table churn_label_rows');
  return { rows: columns.customer_id?.length ?? 0, columns };
}

/** Value `i` of a column as the features read it: a number column's NaN is SQL's null. */
function valueAt(column: ResultColumn, i: number): unknown {
  const value = column[i];
  return typeof value === 'number' && Number.isNaN(value) ? null : value;
}

/** Row `i` of the member-months, by column name. */
export function memberMonth(data: MemberMonths, i: number): MemberMonth {
  const row: MemberMonth = {};
  for (const [name, values] of Object.entries(data.columns)) row[name] = valueAt(values, i);
  return row;
}

/** The model's design over the chosen rows: one Float64Array per feature, and their labels. */
export function designOf(data: MemberMonths, indices: number[]): Design {
  const columns = FEATURES.map(() => new Float64Array(indices.length));
  const labels = new Uint8Array(indices.length);
  // One row object refilled for each member-month: at 100x, an object per row costs seconds.
  const row: MemberMonth = {};
  const byName = Object.entries(data.columns);
  const churned = data.columns.churned!;
  indices.forEach((i, k) => {
    for (const [name, values] of byName) row[name] = valueAt(values, i);
    FEATURES.forEach((f, j) => {
      columns[j]![k] = f.value(row);
    });
    labels[k] = churned[i] === true ? 1 : 0;
  });
  return { columns, labels };
}
