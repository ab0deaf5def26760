import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { viewName } from '../../src/lake/table-names.ts';
import { Database, sqlString } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';

describe('Lake on a local folder', () => {
  const tempDir = useTempDirs();

  async function open() {
    const lake = new Lake({ kind: 'local', dir: await tempDir() });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    return { lake, db };
  }

  it('names views after table keys', () => {
    expect(viewName('raw/stripe/payment_intents')).toBe('raw_stripe__payment_intents');
    expect(viewName('core/customer_master')).toBe('customer_master');
    expect(() => viewName('core/../etc')).toThrow(/not a table key/);
  });

  it('replaces a table atomically and keeps the old version when the writer fails', async () => {
    const { lake, db } = await open();
    await db.writeSelect('core/customers', 'select 1 as id');
    await expect(
      lake.writeTable('core/customers', async (tmp) => {
        await writeFile(tmp, 'half a parquet file');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await db.query('select id from customers')).toEqual([{ id: 1 }]);
    // One published version, and no temp file left behind.
    expect(await readdir(path.join(lake.root, 'core'))).toEqual([
      expect.stringMatching(/^customers@[0-9TZ]+-[0-9a-f]+\.parquet$/),
    ]);
    db.close();
  });

  it('appends raw parts and reads them as one table', async () => {
    const { lake, db } = await open();
    for (const [part, id] of [
      ['run-1', 'cus_a'],
      ['run-2', 'cus_b'],
    ] as const) {
      await lake.appendPart('raw/stripe/customers', part, (tmp) =>
        db.run(`copy (select $id as record_id) to ${sqlString(tmp)} (format parquet)`, { id }),
      );
    }
    await db.refreshViews();
    expect(await db.query('select record_id from raw_stripe__customers order by 1')).toEqual([
      { record_id: 'cus_a' },
      { record_id: 'cus_b' },
    ]);
    await expect(lake.writeTable('raw/stripe/customers', async () => {})).rejects.toThrow(/append-only/);
    db.close();
  });

  it('lists tables with their layout', async () => {
    const { lake, db } = await open();
    await db.writeSelect('core/transactions', 'select 1 as x');
    await lake.appendPart('raw/capitan/checkins', 'p1', (tmp) =>
      db.run(`copy (select 1 as x) to ${sqlString(tmp)} (format parquet)`),
    );
    // The reports the notebooks render into the lake's folder are not tables.
    await mkdir(path.join(lake.root, 'reports'));
    await writeFile(path.join(lake.root, 'reports', 'index.html'), '<!doctype html>');
    const tables = await lake.listTables();
    expect(tables.map((t) => [t.key, t.layout, t.parts])).toEqual([
      ['core/transactions', 'file', 1],
      ['raw/capitan/checkins', 'parts', 1],
    ]);
    db.close();
  });

  it('takes a monthly snapshot of chosen tables', async () => {
    const { lake, db } = await open();
    await db.writeSelect('core/customer_master', 'select 7 as id');
    await lake.appendPart('raw/capitan/checkins', 'p1', (tmp) =>
      db.run(`copy (select 1 as x) to ${sqlString(tmp)} (format parquet)`),
    );
    expect(Lake.snapshotName(new Date('2026-11-24T10:00:00Z'))).toBe('2026-11-01');
    expect(await lake.hasSnapshot('2026-11-01')).toBe(false);
    await lake.snapshot('2026-11-01', ['core/customer_master', 'raw/capitan/checkins'], (t) =>
      db.wholeTableWriter(t),
    );
    expect(await lake.hasSnapshot('2026-11-01')).toBe(true);
    const copy = path.join(lake.root, 'snapshots/2026-11-01/core/customer_master.parquet');
    expect(await db.query(`select id from read_parquet(${sqlString(copy)})`)).toEqual([{ id: 7 }]);
    expect((await lake.listTables()).map((t) => t.key)).toEqual([
      'core/customer_master',
      'raw/capitan/checkins',
    ]);
    await expect(lake.snapshot('2026-11-24', [], (t) => db.wholeTableWriter(t))).rejects.toThrow(
      /YYYY-MM-01/,
    );
    db.close();
  });

  it('sync is a no-op for a local lake', async () => {
    const { lake } = await open();
    expect(await lake.sync()).toEqual({ downloaded: 0, skipped: 0, deleted: 0 });
  });
});
