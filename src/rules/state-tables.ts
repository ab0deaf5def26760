import type { Database, SqlParams } from '../sql/database.ts';
import { PARQUET_WRITE_OPTIONS, parquetReader, sqlString } from '../sql/database.ts';
import { parametersOf } from '../sql/query-files.ts';

/** The subset of `params` a statement uses: DuckDB refuses a parameter the statement does not name. */
export function usedParams(sql: string, params: SqlParams): SqlParams {
  return Object.fromEntries(parametersOf(sql).map((name) => [name, params[name]!]));
}

/**
 * The rules' persistent state, under `state/` where no rebuild reaches: the flag history (replaced
 * whole each run, from its previous self), and two append-only logs of Parquet parts: system events
 * (flag_set, flag_cleared, and sync records from activation jobs) and experiment entries.
 */
export const STATE_SCHEMAS = {
  flag_history: `customer_id varchar, flag_type varchar, flag_date date, flag_details json, priority varchar,
    first_flagged_at timestamptz, last_seen_at timestamptz, cleared_at timestamptz,
    first_flagged_on date, last_seen_on date`,
  system_events: `event_id varchar, event_type varchar, customer_id varchar, event_date timestamptz,
    event_details json, source varchar, run_id varchar`,
  experiment_entries: `customer_id varchar, household_id varchar, experiment_id varchar, ab_group varchar,
    entry_flag varchar, entry_on date, entered_at timestamptz, run_id varchar`,
  audience_history: `customer_id varchar, audience varchar, change varchar, changed_on date,
    changed_at timestamptz, ab_group varchar, holdout boolean, run_id varchar`,
  sync_runs: `sync_id varchar, audience varchar, started_at timestamptz, seconds double, mode varchar,
    status varchar, planned_adds bigint, planned_removes bigint, sent bigint, failed bigint, skipped json,
    api_calls bigint, failures json`,
  audience_sync_state: `list_id varchar, subscriber_hash varchar, tag varchar, customer_id varchar,
    confirmed_at timestamptz`,
  audience_merge_state: `list_id varchar, subscriber_hash varchar, merge_tag varchar, value varchar,
    customer_id varchar, confirmed_at timestamptz`,
} as const;
export type StateTable = keyof typeof STATE_SCHEMAS;

/** A select over a state table as stored, or over an empty table of its shape before its first write. */
export async function stateSource(db: Database, table: StateTable): Promise<string> {
  const info = await db.lake.table(`state/${table}`);
  if (!info) return `select * from (select ${emptyColumns(table)}) where false`;
  return `select * from ${parquetReader(info)}`;
}

/** Appends the rows of a select as one new part of an append-only state log; nothing when empty. */
export async function appendState(
  db: Database,
  table: Exclude<StateTable, 'flag_history' | 'audience_sync_state' | 'audience_merge_state'>,
  partId: string,
  selectSql: string,
  params: SqlParams = {},
): Promise<number> {
  const used = usedParams(selectSql, params);
  const [count] = await db.query(`select count(*)::bigint as n from (${selectSql})`, used);
  const rows = Number(count?.n ?? 0);
  if (rows === 0) return 0;
  const columns = STATE_SCHEMAS[table]
    .split(',')
    .map((c) => c.trim().split(/\s+/)[0]!)
    .join(', ');
  await db.lake.appendPart(`state/${table}`, partId, (tmp) =>
    db.run(
      `copy (select ${columns} from (${selectSql})) to ${sqlString(tmp)} ${PARQUET_WRITE_OPTIONS}`,
      used,
    ),
  );
  return rows;
}

function emptyColumns(table: StateTable): string {
  return STATE_SCHEMAS[table]
    .split(',')
    .map((c) => {
      const [name, ...type] = c.trim().split(/\s+/);
      return `null::${type.join(' ')} as ${name}`;
    })
    .join(', ');
}
