import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LakeLocation } from '../../src/config.ts';
import { Lake } from '../../src/lake/lake.ts';
import { type LakeManifest, manifestFile, parseManifest } from '../../src/lake/manifest.ts';
import { viewName } from '../../src/lake/table-names.ts';
import { Database, parquetReader } from '../../src/sql/database.ts';

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

/**
 * For a failed comparison: the rows of each table that differ between a manifest saved earlier (its
 * files must still be on disk: a commit keeps the previous set's files) and the lake's current set.
 */
export async function describeTableChanges(
  location: LakeLocation,
  earlier: LakeManifest,
  keys: string[],
  limit = 10,
): Promise<string> {
  const lake = new Lake(location);
  const db = await Database.open(lake, { timeZone: 'America/Chicago' });
  try {
    const reader = (entry: LakeManifest['tables'][string] | undefined) =>
      entry
        ? parquetReader({
            layout: entry.layout,
            readPaths: (entry.layout === 'file' ? [entry.file] : entry.parts).map((f) =>
              path.join(lake.root, f),
            ),
            ...(entry.layout === 'parts' && entry.deletes
              ? { deletes: path.join(lake.root, entry.deletes) }
              : {}),
          })
        : undefined;
    const current = (await publishedManifest(lake.root)).tables;
    const lines: string[] = [];
    for (const key of keys) {
      const before = reader(earlier.tables[key]);
      const after = reader(current[key]);
      lines.push(`${key}: ${describeEntry(earlier.tables[key])} → ${describeEntry(current[key])}`);
      if (!before || !after) continue;
      const rows = await db.query(
        `(select 'before only' as side, * from (select * from ${before} except all select * from ${after}) limit $limit)
         union all by name
         (select 'after only' as side, * from (select * from ${after} except all select * from ${before}) limit $limit)`,
        { limit },
      );
      for (const row of rows)
        lines.push(`  ${JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    }
    return lines.join('\n');
  } finally {
    db.close();
    lake.close();
  }
}

function describeEntry(entry: LakeManifest['tables'][string] | undefined): string {
  if (!entry) return 'absent';
  return entry.layout === 'file' ? entry.file : `${entry.parts.length} parts`;
}

/** The lake's published manifest as it is on disk now. */
export async function publishedManifest(root: string): Promise<LakeManifest> {
  const file = path.join(root, manifestFile);
  return parseManifest(await readFile(file, 'utf8'), file);
}
