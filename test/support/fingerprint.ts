import type { LakeLocation } from '../../src/config.ts';
import { Lake } from '../../src/lake/lake.ts';
import { viewName } from '../../src/lake/table-names.ts';
import { Database } from '../../src/sql/database.ts';

/** One hash per table, over its rows in a stable order: equal hashes, equal tables. */
export async function fingerprint(
  location: LakeLocation,
  include: (key: string) => boolean,
): Promise<Record<string, string>> {
  const lake = new Lake(location);
  const db = await Database.open(lake, { timeZone: 'America/Chicago' });
  try {
    const result: Record<string, string> = {};
    for (const table of await lake.listTables()) {
      if (!include(table.key)) continue;
      const view = viewName(table.key);
      const [row] = await db.query(
        `select count(*)::varchar || ':' || coalesce(md5(string_agg(h, '' order by h)), '') as hash
         from (select md5(t::varchar) as h from "${view}" as t)`,
      );
      result[table.key] = String(row?.hash);
    }
    return result;
  } finally {
    db.close();
    lake.close();
  }
}
