import type { BuiltModel } from '../models/runner.ts';
import type { Database } from '../sql/database.ts';
import { sqlIdentifier } from '../sql/database.ts';
import { openRunner } from './model-graph.ts';

export interface StageResult {
  models: BuiltModel[];
  /** Per staging table and column: values present in raw that did not parse as a date. */
  unparsedDates: { table: string; column: string; count: number }[];
}

/**
 * Builds the staging layer: each source's models (`queries/staging/<source>/`, or only `onlySource`'s)
 * and, for the whole layer, those combining sources. A stream never fetched (a source without
 * credentials) reads as empty, so staging always builds and simply has no rows for it.
 */
export async function stage(
  db: Database,
  params: { time_zone: string },
  options: { onlySource?: string; onBuilt?: (built: BuiltModel) => void } = {},
): Promise<StageResult> {
  await db.refreshViews();
  const runner = await openRunner(db, { vars: params });
  const folder = options.onlySource ? `staging/${options.onlySource}/` : 'staging/';
  const built = await runner.build(
    runner.graph.select((m) => m.kind === 'sql' && m.id.startsWith(folder)),
    options.onBuilt,
  );
  return { models: built, unparsedDates: await countUnparsedDates(db, built) };
}

/** Staging's `<col>_raw` columns whose `<col>` is null: the values that did not parse, counted in one pass. */
async function countUnparsedDates(db: Database, models: BuiltModel[]): Promise<StageResult['unparsedDates']> {
  const columns = await db.query(
    `select table_name, column_name from information_schema.columns
     where list_contains(from_json($tables, '["varchar"]'), table_name)`,
    { tables: JSON.stringify(models.map((m) => m.name)) },
  );
  const named = new Set(columns.map((c) => `${c.table_name}.${c.column_name}`));
  const pairs = columns
    .map((c) => ({ table: String(c.table_name), raw: String(c.column_name) }))
    .filter(({ table, raw }) => raw.endsWith('_raw') && named.has(`${table}.${raw.slice(0, -'_raw'.length)}`))
    .map(({ table, raw }) => ({ table, raw, column: raw.slice(0, -'_raw'.length) }));
  if (pairs.length === 0) return [];
  const counts = await db.query(
    pairs
      .map(
        (p, i) =>
          `select ${i} as pair, count(*)::int as n from ${sqlIdentifier(p.table)}
           where ${sqlIdentifier(p.column)} is null and ${sqlIdentifier(p.raw)} is not null`,
      )
      .join(' union all '),
  );
  return counts
    .filter((c) => Number(c.n) > 0)
    .sort((a, b) => Number(a.pair) - Number(b.pair))
    .map((c) => ({
      table: pairs[Number(c.pair)]!.table,
      column: pairs[Number(c.pair)]!.column,
      count: Number(c.n),
    }));
}
