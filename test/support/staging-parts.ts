import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Database, PARQUET_WRITE_OPTIONS, sqlString } from '../../src/sql/database.ts';

/** Appends a raw part to the stream `key`: one version per record id, its payload as JSON, fetched at `fetchedAt` by `runId`. */
export async function appendRawPart(
  db: Database,
  key: string,
  partId: string,
  version: { fetchedAt: string; runId: string },
  payloads: Record<string, unknown>,
): Promise<void> {
  const rows = Object.entries(payloads).map(([id, payload]) => [id, JSON.stringify(payload)]);
  await db.run('create or replace temp table incoming (record_id varchar, payload varchar)');
  await db.appendRows('incoming', rows);
  await db.lake.appendPart(key, partId, (tmp) =>
    db.run(
      `copy (select record_id, payload::json as payload, md5(payload) as payload_hash,
                      $fetched_at::timestamptz as fetched_at, $run_id as run_id from incoming)
         to ${sqlString(tmp)} ${PARQUET_WRITE_OPTIONS}`,
      { fetched_at: version.fetchedAt, run_id: version.runId },
    ),
  );
  await db.refreshViews();
}

/** A staging table's parts, oldest first, each with the SHA-256 of its bytes. */
export async function partsOf(db: Database, key: string): Promise<{ file: string; sha: string }[]> {
  const table = await db.lake.table(key);
  return Promise.all(
    (table?.readPaths ?? []).map(async (file) => ({
      file,
      sha: createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    })),
  );
}
