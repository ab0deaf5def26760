import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { TableInfo } from '../lake/lake.ts';
import type { Database, PartKeep, PartSelect, SqlParams } from '../sql/database.ts';
import { partIndexes, partName, partsReader, sqlIdentifier, sqlString } from '../sql/database.ts';
import { newestVersions } from '../sql/raw-versions.ts';
import type { SqlModel } from './model.ts';
import { RAW_PLACEHOLDER, rawKeyOf, sourceLayerOf } from './sources.ts';

/** Bumped when the way staged rows are merged changes, so every incremental table is rebuilt once. */
const MERGE_FORMAT = 4;
/** The key of the Parquet key-value metadata holding what a staging table was built from. */
const LEDGER_KEY = 'basin_staged';
/** Compaction keeps a staging table to at most this many parts. */
export const MAX_STAGING_PARTS = 12;
/** A part is rewritten without the rows the table leaves out once they are this share of its rows. */
const REWRITE_DELETED_SHARE = 0.25;

export const newestSchema = z.object({ fetched_at_us: z.number(), run_id: z.string() }).nullable();
/** The newest raw `(fetched_at, run_id)` a table holds, or null when it holds none. */
export type NewestVersion = z.infer<typeof newestSchema>;

/**
 * What an incremental table holds, written into the metadata of its newest (last) part so the two are
 * published together: the model's hash (its SQL and parameter values), the raw parts staged into it,
 * the newest (fetched_at, run_id) among them, and `base`, naming its last full build (the model's
 * hash and the raw parts it staged): merges keep it, so a table whose `base` is unchanged has only
 * gained rows newer than any it held since (what a keyed model reading it relies on, `keyed.ts`).
 */
const ledgerSchema = z.object({
  hash: z.string(),
  parts: z.array(z.string()),
  newest: newestSchema,
  base: z.string(),
});
export type Ledger = z.infer<typeof ledgerSchema>;

export interface IncrementalBuild {
  /** `full`: every raw part staged; `incremental`: only new parts, merged; `unchanged`: nothing new. */
  mode: 'full' | 'incremental' | 'unchanged';
  /** Raw parts parsed by this build. */
  parts: number;
  /** Parts of the table rewritten (or dropped) because a quarter or more of their rows are deleted. */
  rewritten: number;
  /** Parts of the table folded into the new part (compaction). */
  folded: number;
  /** Rows of the table's parts that its deletes name after the build (superseded, not yet folded away). */
  deleted: number;
}

/** One published part of a staging table, with its rows and those of them the table leaves out. */
interface PartStat {
  relative: string;
  file: string;
  rows: number;
  deleted: number;
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
 *
 * A table is stored as parts (oldest first), and a merge writes one new part, last, holding the
 * staged rows and the ledger. The rows of older parts that a new version supersedes are not
 * rewritten away: the merge marks them in the table's deletes (`(part, part_row)`, published with
 * the new part), which every reader leaves out, so older parts stay byte for byte as they were.
 * Size-tiered compaction keeps the parts few and folds deleted rows away: the newest parts are
 * folded into the new one while a part holds no more live rows than the new part has gathered so
 * far, or while more than `MAX_STAGING_PARTS` parts would remain, and a part whose deleted rows
 * reach `REWRITE_DELETED_SHARE` of its rows is rewritten without them (dropped when none are left).
 */
export async function buildIncremental(
  db: Database,
  model: SqlModel,
  key: string,
  params: SqlParams,
): Promise<IncrementalBuild> {
  const raw = model.reads.find((r) => sourceLayerOf(r) === 'raw')!;
  const stream = await db.lake.table(rawKeyOf(raw));
  const parts = (stream?.readPaths ?? []).map((p) => relativeTo(db, p));
  const hash = modelHash(model, params);
  const table = await db.lake.table(key);
  const previous = table ? await readLedger(db, table) : undefined;

  let staged = parts;
  let mode: IncrementalBuild['mode'] = 'full';
  if (table && previous && previous.hash === hash && previous.parts.every((p) => parts.includes(p))) {
    const known = new Set(previous.parts);
    const fresh = parts.filter((p) => !known.has(p));
    if (fresh.length === 0) return { mode: 'unchanged', parts: 0, rewritten: 0, folded: 0, deleted: 0 };
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
  const select = `with ${sqlIdentifier(raw)} as (${input}) select * from (${model.sql})`;
  const newest = await newestOf(db, files, mode === 'incremental' ? previous!.newest : null);
  const base = mode === 'incremental' ? previous!.base : sha256(JSON.stringify({ hash, parts }));
  const metadata = { [LEDGER_KEY]: JSON.stringify({ hash, parts, newest, base } satisfies Ledger) };
  if (mode === 'full' || !table) {
    await db.writeParts(key, [{ sql: select, params, metadata }]);
    return { mode: 'full', parts: staged.length, rewritten: 0, folded: 0, deleted: 0 };
  }

  const staging = sqlIdentifier(`_staging_new__${model.name}`);
  const ids = sqlIdentifier(`_staging_ids__${model.name}`);
  const deleted = sqlIdentifier(`_staging_deleted__${model.name}`);
  try {
    await db.run(`create or replace temp table ${staging} as ${select}`, params);
    if (model.versions === 'newest')
      await db.run(
        `create or replace temp table ${ids} as
         select distinct record_id::varchar as _staged_record_id from (${allVersions})`,
      );
    await markDeleted(
      db,
      table,
      deleted,
      model.versions === 'newest'
        ? {
            columns: `(${model.recordId})::varchar as _staged_record_id`,
            keys: ids,
            on: ['_staged_record_id'],
          }
        : undefined,
    );
    const merged = await mergeStaged(db, key, table, { staging, deleted, metadata });
    return { mode, parts: staged.length, ...merged };
  } finally {
    await db.run(`drop table if exists ${staging}`);
    await db.run(`drop table if exists ${ids}`);
    await db.run(`drop table if exists ${deleted}`);
  }
}

/** Rows of a table a merge supersedes: those whose `columns` (a select list over its rows) match a row of `keys` on `on`. */
export interface Superseded {
  columns: string;
  keys: string;
  on: string[];
}

/**
 * The rows of the table to leave out after this merge, into the temp table `deleted` as `(part,
 * part_row)`: those its deletes name already and those `superseded` names (the rows the merge's new
 * rows replace). Keys compare with `is not distinct from`, so a null key is a key like any other.
 */
export async function markDeleted(
  db: Database,
  table: TableInfo,
  deleted: string,
  superseded?: Superseded,
): Promise<void> {
  const selects = [`select ''::varchar as part, 0::bigint as part_row where false`];
  if (table.deletes) selects.push(`select part, part_row from read_parquet(${sqlString(table.deletes)})`);
  if (superseded) {
    const on = superseded.on
      .map((c) => `_rows.${sqlIdentifier(c)} is not distinct from _keys.${sqlIdentifier(c)}`)
      .join(' and ');
    selects.push(
      `select _files.part, _rows.file_row_number as part_row
       from (select file_index, file_row_number, ${superseded.columns}
             from ${partsReader(table.readPaths)}) as _rows
       semi join ${superseded.keys} as _keys on ${on}
       join ${partIndexes(table.readPaths)} using (file_index)`,
    );
  }
  await db.run(`create or replace temp table ${deleted} as ${selects.join(' union ')}`);
}

/**
 * Merges the rows of the temp table `staging` into the table `key` as one new part (last, with
 * `metadata`), leaving out the rows `deleted` names (`markDeleted`): older parts are kept byte for
 * byte, their deleted rows named in the new deletes file, except that size-tiered compaction folds
 * the newest parts into the new one and rewrites a part whose deleted rows reach
 * `REWRITE_DELETED_SHARE` of its rows (`buildIncremental` explains when).
 */
export async function mergeStaged(
  db: Database,
  key: string,
  table: TableInfo,
  merge: { staging: string; deleted: string; metadata: Record<string, string> },
): Promise<Pick<IncrementalBuild, 'rewritten' | 'folded' | 'deleted'>> {
  const { staging, deleted, metadata } = merge;
  const [count] = await db.query(`select count(*)::bigint as n from ${staging}`);
  const stats = await partStats(db, table.readPaths, deleted);

  // Size-tiered compaction: fold the newest parts into the new one.
  let gathered = Number(count?.n ?? 0);
  let kept = stats.length;
  while (kept > 0) {
    const last = stats[kept - 1]!;
    const left = last.rows - last.deleted;
    if (left > gathered && kept + 1 <= MAX_STAGING_PARTS) break;
    gathered += left;
    kept--;
  }

  const specs: (PartKeep | PartSelect)[] = [];
  const deletesKept: string[] = [];
  let rewritten = 0;
  let stillDeleted = 0;
  for (const part of stats.slice(0, kept)) {
    if (part.deleted === 0) specs.push({ keep: part.relative });
    else if (part.deleted < part.rows * REWRITE_DELETED_SHARE) {
      specs.push({ keep: part.relative });
      deletesKept.push(partName(part.file));
      stillDeleted += part.deleted;
    } else {
      rewritten++;
      if (part.deleted < part.rows) specs.push({ sql: `select * from ${partsReader([part.file], deleted)}` });
    }
  }
  const folded = stats.slice(kept);
  const foldedRows =
    folded.length > 0
      ? `union all by name select * from ${partsReader(
          folded.map((p) => p.file),
          deleted,
        )}`
      : '';
  specs.push({ sql: `select * from ${staging} ${foldedRows}`, metadata });
  const deletes =
    deletesKept.length > 0
      ? {
          sql: `select part, part_row from ${deleted} where part in (${deletesKept.map(sqlString).join(', ')})`,
        }
      : undefined;
  await db.writeParts(key, specs, deletes);
  return { rewritten, folded: folded.length, deleted: stillDeleted };
}

/** Each part's rows (from its footer) and how many of them `deleted` names. */
async function partStats(db: Database, files: string[], deleted: string): Promise<PartStat[]> {
  const list = `[${files.map(sqlString).join(', ')}]`;
  const rows = new Map(
    (await db.query(`select file_name, num_rows::bigint as n from parquet_file_metadata(${list})`)).map(
      (r) => [String(r.file_name), Number(r.n)],
    ),
  );
  const counts = new Map(
    (await db.query(`select part, count(*)::bigint as n from ${deleted} group by part`)).map((r) => [
      String(r.part),
      Number(r.n),
    ]),
  );
  return files.map((file) => ({
    relative: relativeTo(db, file),
    file,
    rows: rows.get(file) ?? 0,
    deleted: counts.get(partName(file)) ?? 0,
  }));
}

function relativeTo(db: Database, file: string): string {
  return path.relative(db.lake.root, file).split(path.sep).join('/');
}

/**
 * The model's SQL, the values of the parameters it uses and how it merges (with `MERGE_FORMAT`): a
 * change in any restages everything.
 */
export function modelHash(model: SqlModel, params: SqlParams): string {
  const { sql, versions, uniqueKey } = model;
  return sha256(JSON.stringify({ format: MERGE_FORMAT, sql, params, versions, uniqueKey }));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The ledger in an incremental table's newest part (undefined for an older format or another table). */
export async function readLedger(db: Database, table: TableInfo): Promise<Ledger | undefined> {
  const parsed = ledgerSchema.safeParse(await readPartMetadata(db, table.readPaths.at(-1)!, LEDGER_KEY));
  return parsed.success ? parsed.data : undefined;
}

/** The JSON a part's key-value metadata holds under `key`, or undefined. */
export async function readPartMetadata(db: Database, file: string, key: string): Promise<unknown> {
  const [row] = await db.query(
    `select decode(value) as value from parquet_kv_metadata(${sqlString(file)}) where decode(key) = $key`,
    { key },
  );
  return row ? JSON.parse(String(row.value)) : undefined;
}

/** Whether every row of the new parts is newer than the newest row already staged. */
async function allNewer(db: Database, parts: string[], newest: NewestVersion): Promise<boolean> {
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
async function newestOf(db: Database, files: string[], before: NewestVersion): Promise<NewestVersion> {
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
