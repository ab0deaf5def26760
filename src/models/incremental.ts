import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { Database, SqlParams } from '../sql/database.ts';
import { sqlIdentifier, sqlString } from '../sql/database.ts';
import { newestVersions } from '../sql/raw-versions.ts';
import type { SqlModel } from './model.ts';
import { RAW_PLACEHOLDER, rawKeyOf, sourceLayerOf } from './sources.ts';

/** Bumped when the way staged rows are merged changes, so every incremental table is rebuilt once. */
const MERGE_FORMAT = 1;
/** The key of the Parquet key-value metadata holding what a staging table was built from. */
const LEDGER_KEY = 'basin_staged';

/**
 * What an incremental table holds, written into its own Parquet file so the two are published
 * together: the model's hash (its SQL and parameter values), the raw parts staged into it, and the
 * newest (fetched_at, run_id) among them.
 */
const ledgerSchema = z.object({
  hash: z.string(),
  parts: z.array(z.string()),
  newest: z.object({ fetched_at_us: z.number(), run_id: z.string() }).nullable(),
});
type Ledger = z.infer<typeof ledgerSchema>;

export interface IncrementalBuild {
  /** `full`: every raw part staged; `incremental`: only new parts, merged; `unchanged`: nothing new. */
  mode: 'full' | 'incremental' | 'unchanged';
  /** Raw parts parsed by this build. */
  parts: number;
}

/**
 * Builds an incremental staging model: parses only the raw parts its table has not staged yet, and
 * merges them in. This is the one place a record's newest version wins:
 * - `versions: newest`: among the new parts, each record's newest version (`newestVersions`) is
 *   staged; it replaces every row the table held for that record, so a refund, a cancellation or any
 *   changed record wins, and a version that stages to no rows removes the old ones;
 * - `versions: all`: every version's rows are appended (histories read by later models).
 * A new part older than what the table holds (a clock set back), a changed model or a part gone from
 * raw makes a full build, so the table always equals a full build over the same raw parts.
 */
export async function buildIncremental(
  db: Database,
  model: SqlModel,
  key: string,
  params: SqlParams,
): Promise<IncrementalBuild> {
  const raw = model.reads.find((r) => sourceLayerOf(r) === 'raw')!;
  const stream = await db.lake.table(rawKeyOf(raw));
  const parts = (stream?.readPaths ?? []).map((p) =>
    path.relative(db.lake.root, p).split(path.sep).join('/'),
  );
  const hash = modelHash(model, params);
  const previous = await readLedger(db, key);

  let staged = parts;
  let mode: IncrementalBuild['mode'] = 'full';
  if (previous && previous.hash === hash && previous.parts.every((p) => parts.includes(p))) {
    const known = new Set(previous.parts);
    const fresh = parts.filter((p) => !known.has(p));
    if (fresh.length === 0) return { mode: 'unchanged', parts: 0 };
    if (await allNewer(db, fresh, previous.newest)) {
      staged = fresh;
      mode = 'incremental';
    }
  }

  const files = staged.map((p) => path.join(db.lake.root, p));
  const allVersions =
    files.length > 0
      ? `select * from read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true)`
      : RAW_PLACEHOLDER;
  const input = model.versions === 'all' ? allVersions : newestVersions(allVersions);
  const kept =
    mode === 'full'
      ? ''
      : model.versions === 'all'
        ? `union all by name select * from ${sqlIdentifier(model.name)}`
        : `union all by name
           select * exclude (_staged_record_id) from (
             select *, (${model.recordId})::varchar as _staged_record_id from ${sqlIdentifier(model.name)}
           ) anti join (select record_id as _staged_record_id from ${sqlIdentifier(raw)}) using (_staged_record_id)`;
  const select = `with ${sqlIdentifier(raw)} as (${input})
    select * from (${model.sql})
    ${kept}`;
  const newest = await newestOf(db, files, mode === 'incremental' ? previous!.newest : null);
  const ledger: Ledger = { hash, parts, newest };
  await db.writeSelect(key, select, params, { [LEDGER_KEY]: JSON.stringify(ledger) });
  return { mode, parts: staged.length };
}

/** The model's SQL and the values of the parameters it uses: a change in either restages everything. */
function modelHash(model: SqlModel, params: SqlParams): string {
  return createHash('sha256')
    .update(JSON.stringify({ format: MERGE_FORMAT, sql: model.sql, params, versions: model.versions }))
    .digest('hex');
}

async function readLedger(db: Database, key: string): Promise<Ledger | undefined> {
  if (!(await db.lake.table(key))) return undefined;
  const [row] = await db.query(
    `select decode(value) as ledger from parquet_kv_metadata(${sqlString(db.lake.filePath(key))})
     where decode(key) = $key`,
    { key: LEDGER_KEY },
  );
  if (!row) return undefined;
  const parsed = ledgerSchema.safeParse(JSON.parse(String(row.ledger)));
  return parsed.success ? parsed.data : undefined;
}

/** Whether every row of the new parts is newer than the newest row already staged. */
async function allNewer(db: Database, parts: string[], newest: Ledger['newest']): Promise<boolean> {
  if (!newest) return true;
  const files = parts.map((p) => sqlString(path.join(db.lake.root, p)));
  const [row] = await db.query(
    `select count(*)::bigint as older from read_parquet([${files.join(', ')}], union_by_name = true)
     where epoch_us(fetched_at) < $fetched_at_us or (epoch_us(fetched_at) = $fetched_at_us and run_id <= $run_id)`,
    { fetched_at_us: newest.fetched_at_us, run_id: newest.run_id },
  );
  return Number(row?.older) === 0;
}

/** The newest (fetched_at, run_id) among the staged parts and what the table held before. */
async function newestOf(db: Database, files: string[], before: Ledger['newest']): Promise<Ledger['newest']> {
  if (files.length === 0) return before;
  const [row] = await db.query(
    `select epoch_us(fetched_at) as fetched_at_us, run_id
     from read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true)
     order by fetched_at desc, run_id desc limit 1`,
  );
  if (!row) return before;
  const newest = { fetched_at_us: Number(row.fetched_at_us), run_id: String(row.run_id) };
  if (!before) return newest;
  const later =
    newest.fetched_at_us > before.fetched_at_us ||
    (newest.fetched_at_us === before.fetched_at_us && newest.run_id > before.run_id);
  return later ? newest : before;
}
