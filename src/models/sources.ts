import { viewName } from '../lake/table-names.ts';
import type { Database } from '../sql/database.ts';
import { sqlIdentifier } from '../sql/database.ts';
import type { SourceLayer } from './model.ts';

/**
 * The relations models read that no model builds: raw streams (`raw_<source>__<stream>`, the
 * fetchers' append-only payloads), seeds (`seed_<name>`, CSV files in `queries/seeds/`) and the logs
 * the run itself keeps in `state/`. Each has a select of its columns and no rows, which stands in
 * for it until it first exists: a source without credentials is never fetched, and the logs appear
 * with the first run that writes them.
 */
export const RAW_PLACEHOLDER = `select null::varchar as record_id, null::json as payload, null::varchar as payload_hash,
  null::timestamptz as fetched_at, null::varchar as run_id where false`;

export const STATE_LOGS: Record<string, string> = {
  fetch_state: `select null::varchar as source, null::varchar as stream, null::timestamptz as last_success_at,
    null::timestamptz as window_since, null::timestamptz as window_until, null::varchar as run_id,
    null::bigint as records where false`,
  rejected_records: `select null::varchar as run_id, null::varchar as source, null::varchar as stream,
    null::varchar as record_id, null::varchar as reason, null::varchar as payload, null::timestamptz as rejected_at
    where false`,
  daily_runs: `select null::varchar as run_id, null::timestamptz as started_at, null::timestamptz as finished_at,
    null::varchar as status, null::varchar as error, null::json as steps, null::varchar as options where false`,
  quality_results: `select null::varchar as run_id, null::timestamptz as checked_at, null::varchar as check_name,
    null::varchar as description, null::varchar as severity, null::double as threshold, null::bigint as failing_rows,
    null::varchar as status, null::varchar as sample where false`,
};

/** The layer of a relation no model builds, or undefined when it is none of raw, seed or state. */
export function sourceLayerOf(relation: string): SourceLayer | undefined {
  if (/^raw_[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$/.test(relation)) return 'raw';
  if (relation.startsWith('seed_')) return 'seed';
  if (relation in STATE_LOGS) return 'state';
  return undefined;
}

/** The lake key of a raw stream's view: `raw_stripe__customers` is `raw/stripe/customers`. */
export function rawKeyOf(relation: string): string {
  const [source, stream] = relation.slice('raw_'.length).split('__');
  return `raw/${source}/${stream}`;
}

export interface StreamFreshness {
  source: string;
  stream: string;
  /** Raw versions stored. */
  records: number;
  /** The newest `fetched_at`: when a fetch last found something new. */
  lastFetchedAt: Date | null;
}

/**
 * How fresh each raw stream is (dbt's source freshness): its stored versions and the newest
 * `fetched_at`. Raw is read here, by the runner's side, so readers of core and metrics (the reports)
 * need not read the raw layer themselves.
 */
export async function streamFreshness(db: Database): Promise<StreamFreshness[]> {
  const found: StreamFreshness[] = [];
  for (const table of await db.lake.listTables()) {
    if (!table.key.startsWith('raw/')) continue;
    const [, source, stream] = table.key.split('/');
    const [row] = await db.query(
      `select count(*)::bigint as records, max(fetched_at) as last_fetched_at from ${sqlIdentifier(viewName(table.key))}`,
    );
    found.push({
      source: source!,
      stream: stream!,
      records: Number(row?.records ?? 0),
      lastFetchedAt: row?.last_fetched_at instanceof Date ? row.last_fetched_at : null,
    });
  }
  return found;
}
