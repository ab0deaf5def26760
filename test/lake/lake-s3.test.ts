import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { Database, sqlString } from '../../src/sql/database.ts';
import { startCuttingProxy, startS3, type TestS3 } from '../support/s3-server.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

describe('Lake on S3 (s3rver on 127.0.0.1)', () => {
  let s3: TestS3;
  const tempDir = useTempDirs();
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    await s3.stop();
  });

  async function openLake(prefix: string, endpoint?: string) {
    const location = s3.location(prefix, await tempDir());
    const lake = new Lake(endpoint ? { ...location, endpoint } : location);
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    return {
      lake,
      db,
      close: () => {
        db.close();
        lake.close();
      },
    };
  }

  it('round-trips a multi-part Parquet file of more than 8 MB byte for byte', async () => {
    const writer = await openLake('roundtrip');
    await writer.db.writeSelect(
      'core/big',
      `select i, md5(i::varchar) || md5((i * 7)::varchar) as text, random() as x from range(600000) t(i)`,
    );
    const written = writer.lake.filePath('core/big');
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(written));
    expect(size).toBeGreaterThan(8 * 1024 * 1024);

    const reader = await openLake('roundtrip');
    const synced = await reader.lake.sync();
    expect(synced.downloaded).toBe(1);
    expect(await sha256(reader.lake.filePath('core/big'))).toBe(await sha256(written));
    await reader.db.refreshViews();
    const [row] = await reader.db.query('select count(*)::int as n from big');
    expect(row).toEqual({ n: 600000 });
    writer.close();
    reader.close();
  });

  it('syncs only objects whose ETag changed', async () => {
    const writer = await openLake('sync');
    for (const name of ['a', 'b', 'c'])
      await writer.db.writeSelect(`core/${name}`, `select ${name.charCodeAt(0)} as v`);
    await writer.lake.appendPart('raw/stripe/customers', 'part-1', (tmp) =>
      writer.db.run(`copy (select 'cus_1' as record_id) to '${tmp}' (format parquet)`),
    );

    const reader = await openLake('sync');
    expect(await reader.lake.sync()).toEqual({ downloaded: 4, skipped: 0, deleted: 0 });
    expect(await reader.lake.sync()).toEqual({ downloaded: 0, skipped: 4, deleted: 0 });

    await writer.db.writeSelect('core/b', 'select 2 as v');
    expect(await reader.lake.sync()).toEqual({ downloaded: 1, skipped: 3, deleted: 0 });
    await reader.db.refreshViews();
    expect(await reader.db.query('select v from b')).toEqual([{ v: 2 }]);
    writer.close();
    reader.close();
  });

  it('uploads a rewritten table only when its file changed, and counts what it moves', async () => {
    const writer = await openLake('transfers');
    await writer.db.writeSelect('core/a', 'select 1 as v');
    await writer.db.writeSelect('core/b', 'select 2 as v');
    const before = (await writer.lake.remote!.list()).map((o) => o.key).sort();
    // Each table's file, and the manifest after each.
    expect(writer.lake.transfers).toEqual({ downloaded: 0, uploaded: 4, unchanged: 0 });

    await writer.lake.begin('run-2');
    await writer.db.writeSelect('core/a', 'select 1 as v');
    await writer.db.writeSelect('core/b', 'select 3 as v');
    await writer.lake.commit();
    // core/a came out the same: kept; core/b and the manifest uploaded.
    expect(writer.lake.transfers).toEqual({ downloaded: 0, uploaded: 6, unchanged: 1 });
    const after = (await writer.lake.remote!.list()).map((o) => o.key).sort();
    expect(after.filter((k) => k.startsWith('core/a@'))).toEqual(
      before.filter((k) => k.startsWith('core/a@')),
    );
    expect(after.filter((k) => k.startsWith('core/b@'))).not.toEqual(
      before.filter((k) => k.startsWith('core/b@')),
    );

    const reader = await openLake('transfers');
    await reader.lake.sync();
    // Both tables and the manifest.
    expect(reader.lake.transfers).toEqual({ downloaded: 3, uploaded: 0, unchanged: 0 });
    await reader.db.refreshViews();
    expect(await reader.db.query('select v from a union all select v from b order by v')).toEqual([
      { v: 1 },
      { v: 3 },
    ]);
    writer.close();
    reader.close();
  });

  it('uploads only the new parts of a table written as parts', async () => {
    const writer = await openLake('parts');
    const [old] = await writer.db.writeParts('staging/stg_x', [{ sql: 'select 1 as v' }]);
    expect(writer.lake.transfers).toEqual({ downloaded: 0, uploaded: 2, unchanged: 0 });
    const etag = async (key: string) =>
      (await writer.lake.remote!.list()).find((o) => o.key === key)?.etag ?? 'missing';
    const before = await etag(old!);

    await writer.lake.begin('run-2');
    await writer.db.writeParts('staging/stg_x', [{ keep: old! }, { sql: 'select 2 as v' }]);
    await writer.lake.commit();
    // The new part and the manifest; the kept part is neither uploaded nor changed.
    expect(writer.lake.transfers).toEqual({ downloaded: 0, uploaded: 4, unchanged: 0 });
    expect(await etag(old!)).toBe(before);

    const reader = await openLake('parts');
    await reader.lake.sync();
    expect(reader.lake.transfers).toEqual({ downloaded: 3, uploaded: 0, unchanged: 0 });
    await reader.db.refreshViews();
    expect(await reader.db.query('select v from stg_x order by v')).toEqual([{ v: 1 }, { v: 2 }]);
    writer.close();
    reader.close();
  });

  it('uploads a part and its deletes, never the kept part they name, and a synced reader leaves those rows out', async () => {
    const writer = await openLake('deletes');
    const [old] = await writer.db.writeParts('staging/stg_x', [{ sql: 'select range as v from range(4)' }]);
    const etag = async (key: string) =>
      (await writer.lake.remote!.list()).find((o) => o.key === key)?.etag ?? 'missing';
    const before = await etag(old!);
    const uploaded = writer.lake.transfers.uploaded;

    await writer.lake.begin('run-2');
    // Leave out the rows 1 and 2 of the old part (rows are numbered in the file, not by value).
    const name = old!.split('/').at(-1)!;
    await writer.db.writeParts('staging/stg_x', [{ keep: old! }, { sql: 'select 10 as v' }], {
      sql: `select ${sqlString(name)} as part, range as part_row from range(1, 3)`,
    });
    await writer.lake.commit();
    // The new part, the deletes and the manifest.
    expect(writer.lake.transfers.uploaded - uploaded).toBe(3);
    expect(await etag(old!)).toBe(before);
    const kept = await writer.db.query(
      `select v from read_parquet(${sqlString(`${writer.lake.root}/${old!}`)}) where v not in (select v from stg_x)`,
    );
    expect(kept).toHaveLength(2);

    const reader = await openLake('deletes');
    await reader.lake.sync();
    await reader.db.refreshViews();
    expect(await reader.db.query('select count(*)::int as n from stg_x')).toEqual([{ n: 3 }]);
    expect(await reader.db.query('select v from stg_x order by v')).toEqual(
      await writer.db.query('select v from stg_x order by v'),
    );
    writer.close();
    reader.close();
  });

  it('keeps the previous version readable when an upload fails half-way', async () => {
    const proxy = await startCuttingProxy(s3.endpoint);
    const writer = await openLake('failed-upload', proxy.endpoint);
    await writer.db.writeSelect('core/customers', `select i as id, 'v1' as version from range(50000) t(i)`);
    const before = await sha256(writer.lake.filePath('core/customers'));

    proxy.cutAfter(64 * 1024);
    await expect(
      writer.db.writeSelect(
        'core/customers',
        `select i as id, md5(i::varchar) as version from range(200000) t(i)`,
      ),
    ).rejects.toThrow();
    proxy.cutAfter(undefined);

    expect(await sha256(writer.lake.filePath('core/customers'))).toBe(before);
    const reader = await openLake('failed-upload');
    await reader.lake.sync();
    expect(await sha256(reader.lake.filePath('core/customers'))).toBe(before);
    await reader.db.refreshViews();
    expect(await reader.db.query("select count(*)::int as n from customers where version = 'v1'")).toEqual([
      { n: 50000 },
    ]);
    const leftovers = (await reader.lake.listTables()).map((t) => t.key);
    expect(leftovers).toEqual(['core/customers']);
    writer.close();
    reader.close();
    await proxy.stop();
  });

  it('snapshots tables under snapshots/YYYY-MM-01/, a table of parts as one file with its deletes applied', async () => {
    const writer = await openLake('snapshots');
    await writer.db.writeSelect('core/customer_master', 'select 1 as id');
    const [old] = await writer.db.writeParts('staging/stg_x', [{ sql: 'select range as v from range(4)' }]);
    await writer.lake.begin('run-2');
    await writer.db.writeParts('staging/stg_x', [{ keep: old! }, { sql: 'select 10 as v' }], {
      sql: `select ${sqlString(old!.split('/').at(-1)!)} as part, 1 as part_row`,
    });
    await writer.lake.commit();
    expect(await writer.lake.hasSnapshot('2026-11-01')).toBe(false);
    const tables = ['core/customer_master', 'core/missing', 'staging/stg_x'];
    expect(await writer.lake.snapshot('2026-11-01', tables, (t) => writer.db.wholeTableWriter(t))).toEqual([
      'core/customer_master',
      'staging/stg_x',
    ]);
    expect(await writer.lake.hasSnapshot('2026-11-01')).toBe(true);
    const keys = (await writer.lake.remote!.list())
      .map((o) => o.key)
      .filter((k) => k.startsWith('snapshots/'));
    expect(keys.sort()).toEqual([
      'snapshots/2026-11-01/_complete.json',
      'snapshots/2026-11-01/core/customer_master.parquet',
      'snapshots/2026-11-01/staging/stg_x.parquet',
    ]);
    const copy = path.join(await tempDir(), 'stg_x.parquet');
    await writer.lake.remote!.downloadTo('snapshots/2026-11-01/staging/stg_x.parquet', copy);
    expect(
      await writer.db.query(`select v::int as v from read_parquet(${sqlString(copy)}) order by v`),
    ).toEqual([0, 2, 3, 10].map((v) => ({ v })));
    writer.close();
  });
});
