/**
 * The one definition of which raw version of a record is the newest. A raw stream keeps every
 * version a fetch found new or changed, each with `fetched_at` (the run's clock), `run_id` and
 * `payload_hash`; versions compare by that triple, so two versions fetched by the same run at the
 * same instant are still ordered, by their content, and every build keeps the same one.
 *
 * `raw_version(fetched_at, run_id, payload_hash)` is a DuckDB macro (created when the database
 * opens) giving the comparable triple: `max(raw_version(…))` is the newest version, and
 * `arg_max(x, raw_version(…))` a field of it.
 */
export const RAW_VERSION_MACRO = `create or replace macro raw_version(fetched_at, run_id, payload_hash) as
  struct_pack(fetched_at := fetched_at, run_id := run_id, payload_hash := payload_hash)`;

/** The newest version of each record among the rows of a select over raw columns. */
export function newestVersions(rawSelect: string): string {
  return `select * from (${rawSelect})
    qualify row_number() over (partition by record_id order by raw_version(fetched_at, run_id, payload_hash) desc) = 1`;
}
