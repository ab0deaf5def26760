/**
 * Whether a lake built by incremental daily runs holds what a full rebuild over the same raw data
 * holds. Customer ids are not comparable between the two (each run of identity resolution mints its
 * own for new customers), so:
 *
 * - a table with no resolved id must be identical, row order aside;
 * - a table with resolved ids (`customer_id…`, `household_id`) must be identical once each
 *   incremental id is replaced by the rebuild's id sharing most of its source records;
 * - the two partitions of source records into customers must agree pairwise: of the record pairs
 *   either lake puts in one customer, the share both do.
 *
 * Histories (`state/`, `raw/`) are not compared: a week of runs rightly leaves a week of history.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { Lake, type TableInfo } from '../lake/lake.ts';
import { Database, parquetReader, sqlIdentifier } from '../sql/database.ts';

/** The table naming each source record's customer and household. */
const RESOLVED_RECORDS = 'core/resolved_records';

/**
 * Columns that say when a run did something, not what the data says; the rebuild ran once at the
 * end, the incremental runs day by day, so these differ by design.
 */
export const RUN_TIME_COLUMNS: Record<string, string[]> = {
  // When the customer's id was first assigned: the run that first saw them.
  'core/customer_master': ['customer_created_at'],
  // When a run first and last raised the flag, and cleared it.
  'core/customer_flags': ['first_flagged_at', 'last_seen_at', 'cleared_at'],
};

/**
 * State tables holding fitted models. A run reuses a stored fit until its own criterion calls for a
 * new one (the identity model's drift check, the churn model's month), so incremental days score
 * with the fit of an earlier day, which a rebuild from raw alone would not have.
 */
const FITTED_MODELS = ['state/identity_fit', 'state/churn_models'];

/**
 * Starts the rebuild's lake (a local folder) from the incremental one: its raw data and its fitted
 * models, so both score with one model; whether a stored fit still serves is its re-fit criterion's
 * question (src/identity/stored-fit.ts, src/churn/scoring.ts), not this comparison's. `keepRawFile`
 * leaves raw files out, to build a lake that missed some.
 */
export async function prepareRebuild(
  incrementalDir: string,
  fullDir: string,
  timeZone: string,
  keepRawFile: (file: string) => boolean = () => true,
): Promise<void> {
  await cp(path.join(incrementalDir, 'raw'), path.join(fullDir, 'raw'), {
    recursive: true,
    filter: keepRawFile,
  });
  const incremental = new Lake({ kind: 'local', dir: incrementalDir });
  const full = await Database.open(new Lake({ kind: 'local', dir: fullDir }), { timeZone });
  try {
    for (const key of FITTED_MODELS) {
      const fit = await incremental.table(key);
      if (fit) await full.writeSelect(key, `select * from ${parquetReader(fit)}`);
    }
  } finally {
    full.close();
  }
}

export interface TableComparison {
  table: string;
  /** Whether resolved ids were mapped before comparing. */
  keyed: boolean;
  incrementalRows: number;
  fullRows: number;
  /** Rows of one table the other lacks (as multisets), both ways. */
  onlyIncremental: number;
  onlyFull: number;
}

export interface Equivalence {
  tables: TableComparison[];
  /** Tables one lake has and the other lacks. */
  missing: string[];
  /** Identity-independent tables that differ. */
  independentDiffering: string[];
  /** Keyed tables that differ after mapping ids. */
  keyedDiffering: string[];
  /** Absent when no keyed table was compared (staging alone, say). */
  pairwise?: Pairwise;
}

export interface Pairwise {
  incrementalPairs: number;
  fullPairs: number;
  sharedPairs: number;
  agreement: number;
}

export interface EquivalenceOptions {
  /** The tables to compare; every table outside `raw/` and `state/` both lakes name when absent. */
  tables?: string[];
  /** More columns to leave out, per table, besides RUN_TIME_COLUMNS. */
  ignoreColumns?: Record<string, string[]>;
}

/**
 * Whether a column holds resolved customer or household ids, which differ between the lakes. Staging
 * comes before identity resolution: its `customer_id`s are the sources' own.
 */
function isResolvedId(table: string, column: string): boolean {
  return (
    !table.startsWith('staging/') && (/^customer_ids?(_[lr])?$/.test(column) || column === 'household_id')
  );
}

/**
 * Compares `db`'s lake (built incrementally) with `full` (rebuilt from the same raw data). Works in
 * temporary tables of `db`, dropped before returning.
 */
export async function compareLakes(
  db: Database,
  full: Lake,
  options: EquivalenceOptions = {},
): Promise<Equivalence> {
  const incrementalTables = new Map((await db.lake.listTables()).map((t) => [t.key, t]));
  const fullTables = new Map((await full.listTables()).map((t) => [t.key, t]));
  const compared = (key: string) => !key.startsWith('raw/') && !key.startsWith('state/');
  const keys =
    options.tables ??
    [...new Set([...incrementalTables.keys(), ...fullTables.keys()])].filter(compared).sort();
  const missing = keys.filter((k) => !incrementalTables.has(k) || !fullTables.has(k));

  const tables: TableComparison[] = [];
  let pairwise: Pairwise | undefined;
  try {
    for (const key of keys) {
      const a = incrementalTables.get(key);
      const b = fullTables.get(key);
      if (!a || !b) continue;
      const ignored = new Set([...(RUN_TIME_COLUMNS[key] ?? []), ...(options.ignoreColumns?.[key] ?? [])]);
      const columns = (await db.query(`describe select * from ${parquetReader(a)}`))
        .map((c) => ({ name: String(c.column_name), type: String(c.column_type) }))
        .filter((c) => !ignored.has(c.name));
      const keyed = columns.some((c) => isResolvedId(key, c.name));
      if (keyed)
        pairwise ??= await mapIds(
          db,
          incrementalTables.get(RESOLVED_RECORDS),
          fullTables.get(RESOLVED_RECORDS),
        );
      tables.push(await compareTable(db, key, a, b, columns, keyed));
    }
  } finally {
    await db.run('drop table if exists eq_customer_map; drop table if exists eq_household_map');
  }
  const differing = (t: TableComparison) => t.onlyIncremental + t.onlyFull > 0;
  return {
    tables,
    missing,
    independentDiffering: tables.filter((t) => !t.keyed && differing(t)).map((t) => t.table),
    keyedDiffering: tables.filter((t) => t.keyed && differing(t)).map((t) => t.table),
    ...(pairwise ? { pairwise } : {}),
  };
}

/**
 * Maps each incremental customer (and household) id to the rebuild's id that shares most of its
 * records (ties to the smaller id), and counts the record pairs each side puts together.
 */
async function mapIds(
  db: Database,
  incremental: TableInfo | undefined,
  full: TableInfo | undefined,
): Promise<Pairwise> {
  if (!incremental || !full) throw new Error(`both lakes need ${RESOLVED_RECORDS} to compare customers`);
  const joined = `select i.customer_id as inc_customer, f.customer_id as full_customer,
                         i.household_id as inc_household, f.household_id as full_household
                  from ${parquetReader(incremental)} as i join ${parquetReader(full)} as f using (record_id)`;
  for (const kind of ['customer', 'household']) {
    await db.run(
      `create or replace temp table eq_${kind}_map as
       select inc_${kind} as from_id, first(full_${kind} order by n desc, full_${kind}) as to_id
       from (select inc_${kind}, full_${kind}, count(*) as n from (${joined}) group by all)
       group by inc_${kind}`,
    );
  }
  const [row] = await db.query(
    `with pairs as (select inc_customer, full_customer from (${joined})),
          together as (select count(*)::double as n from pairs group by inc_customer, full_customer)
     select
       (select coalesce(sum(n * (n - 1) / 2), 0) from (select count(*)::double as n from pairs group by inc_customer)) as incremental_pairs,
       (select coalesce(sum(n * (n - 1) / 2), 0) from (select count(*)::double as n from pairs group by full_customer)) as full_pairs,
       (select coalesce(sum(n * (n - 1) / 2), 0) from together) as shared_pairs`,
  );
  const incrementalPairs = Number(row?.incremental_pairs);
  const fullPairs = Number(row?.full_pairs);
  const sharedPairs = Number(row?.shared_pairs);
  const either = incrementalPairs + fullPairs - sharedPairs;
  return { incrementalPairs, fullPairs, sharedPairs, agreement: either === 0 ? 1 : sharedPairs / either };
}

async function compareTable(
  db: Database,
  key: string,
  incremental: TableInfo,
  full: TableInfo,
  kept: { name: string; type: string }[],
  keyed: boolean,
): Promise<TableComparison> {
  const isId = (name: string) => keyed && isResolvedId(key, name);
  const mapFor = (name: string) => (name === 'household_id' ? 'eq_household_map' : 'eq_customer_map');
  // Floating-point sums may differ in their last bits with the order DuckDB adds rows in.
  const value = (c: { name: string; type: string }, table: string) =>
    c.type === 'DOUBLE' || c.type === 'FLOAT'
      ? `round(${table}.${sqlIdentifier(c.name)}, 6)`
      : `${table}.${sqlIdentifier(c.name)}`;
  const select = (reader: string, mapped: boolean) => {
    const joins: string[] = [];
    const list = kept.map((c, i) => {
      if (!mapped || !isId(c.name)) return `${value(c, 't')} as ${sqlIdentifier(c.name)}`;
      if (c.type.endsWith('[]')) {
        joins.push(
          `cross join (select map(list(from_id), list(to_id)) as ids from ${mapFor(c.name)}) as m${i}`,
        );
        return `list_transform(t.${sqlIdentifier(c.name)}, x -> coalesce(map_extract_value(m${i}.ids, x), x)) as ${sqlIdentifier(c.name)}`;
      }
      joins.push(`left join ${mapFor(c.name)} as m${i} on m${i}.from_id = t.${sqlIdentifier(c.name)}`);
      return `coalesce(m${i}.to_id, t.${sqlIdentifier(c.name)}) as ${sqlIdentifier(c.name)}`;
    });
    return `select ${list.join(', ')} from ${reader} as t ${joins.join(' ')}`;
  };
  const sortedLists = (reader: string) =>
    `select ${kept
      .map((c) =>
        isId(c.name) && c.type.endsWith('[]')
          ? `list_sort(${sqlIdentifier(c.name)}) as ${sqlIdentifier(c.name)}`
          : sqlIdentifier(c.name),
      )
      .join(', ')} from (${reader})`;
  const a = sortedLists(select(parquetReader(incremental), keyed));
  const b = sortedLists(select(parquetReader(full), false));
  const [row] = await db.query(
    `select (select count(*) from ${parquetReader(incremental)}) as incremental_rows,
            (select count(*) from ${parquetReader(full)}) as full_rows,
            (select count(*) from (${a} except all ${b})) as only_incremental,
            (select count(*) from (${b} except all ${a})) as only_full`,
  );
  return {
    table: key,
    keyed,
    incrementalRows: Number(row?.incremental_rows),
    fullRows: Number(row?.full_rows),
    onlyIncremental: Number(row?.only_incremental),
    onlyFull: Number(row?.only_full),
  };
}

/** Whether the lakes count as equivalent: point 4's thresholds. */
export function isEquivalent(result: Equivalence, minAgreement = 0.999): boolean {
  return (
    result.missing.length === 0 &&
    result.independentDiffering.length === 0 &&
    result.keyedDiffering.length === 0 &&
    (result.pairwise?.agreement ?? 1) >= minAgreement
  );
}
