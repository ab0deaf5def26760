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

async function countUnparsedDates(db: Database, models: BuiltModel[]): Promise<StageResult['unparsedDates']> {
  const found: StageResult['unparsedDates'] = [];
  for (const model of models) {
    const columns = (
      await db.query(`select column_name from information_schema.columns where table_name = $table`, {
        table: model.name,
      })
    ).map((c) => String(c.column_name));
    for (const raw of columns.filter((c) => c.endsWith('_raw'))) {
      const parsed = raw.slice(0, -'_raw'.length);
      if (!columns.includes(parsed)) continue;
      const [row] = await db.query(
        `select count(*)::int as n from ${sqlIdentifier(model.name)} where ${sqlIdentifier(parsed)} is null and ${sqlIdentifier(raw)} is not null`,
      );
      const count = Number(row?.n ?? 0);
      if (count > 0) found.push({ table: model.name, column: parsed, count });
    }
  }
  return found;
}
