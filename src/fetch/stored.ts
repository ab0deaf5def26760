import { viewName } from '../lake/table-names.ts';
import { type Database, sqlIdentifier } from '../sql/database.ts';

/** Record ids a raw stream already holds, for streams that fetch only what the lake lacks. */
export async function storedRecordIds(db: Database, key: string): Promise<Set<string>> {
  if (!(await db.lake.table(key))) return new Set();
  const rows = await db.query(`select distinct record_id from ${sqlIdentifier(viewName(key))}`);
  return new Set(rows.map((row) => String(row.record_id)));
}
