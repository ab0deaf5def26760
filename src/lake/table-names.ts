/**
 * A table's key is its path in the lake without `.parquet`: `raw/stripe/payment_intents`,
 * `core/transactions`, `core/customer_master`, `state/fetch_state`. A table is either one
 * file, replaced atomically, or a folder of append-only parts (every raw stream, and logs such as
 * `state/rejected_records`).
 */
const keyPattern = /^(raw\/[a-z][a-z0-9_]*\/[a-z][a-z0-9_]*|[a-z][a-z0-9_]*\/[a-z][a-z0-9_]*)$/;

export function assertTableKey(key: string): void {
  if (!keyPattern.test(key)) {
    throw new Error(
      `"${key}" is not a table key: expected layer/name or raw/source/stream in lower snake case`,
    );
  }
}

/** The DuckDB view a table is exposed as: `raw_<source>__<stream>` for raw streams, else its name. */
export function viewName(key: string): string {
  assertTableKey(key);
  const parts = key.split('/');
  return parts[0] === 'raw' ? `raw_${parts[1]}__${parts[2]}` : parts[1]!;
}

export function isRawKey(key: string): boolean {
  return key.startsWith('raw/');
}
