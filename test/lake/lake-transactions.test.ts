import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { Database, sqlString } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';

describe('Lake transactions: a set of tables published in one step', () => {
  const tempDir = useTempDirs();

  async function open(dir: string) {
    const lake = new Lake({ kind: 'local', dir });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    return { lake, db, close: () => db.close() };
  }

  const values = async (dir: string, view: string) => {
    const reader = await open(dir);
    try {
      return (await reader.db.query(`select v from ${view} order by v`)).map((r) => r.v);
    } finally {
      reader.close();
    }
  };

  it('keeps writes inside a transaction invisible to other readers until commit, visible to itself', async () => {
    const dir = await tempDir();
    const writer = await open(dir);
    await writer.db.writeSelect('core/a', 'select 1 as v');
    await writer.db.writeSelect('core/b', 'select 1 as v');

    await writer.lake.begin('run-2');
    await writer.db.writeSelect('core/a', 'select 2 as v');
    await writer.lake.appendPart('raw/stripe/customers', 'run-2', (tmp) =>
      writer.db.run(`copy (select 2 as v) to ${sqlString(tmp)} (format parquet)`),
    );
    expect(await writer.db.query('select v from a')).toEqual([{ v: 2 }]);
    expect(await values(dir, 'a')).toEqual([1]);
    expect((await new Lake({ kind: 'local', dir }).listTables()).map((t) => t.key)).toEqual([
      'core/a',
      'core/b',
    ]);

    await writer.db.writeSelect('core/b', 'select 2 as v');
    await writer.lake.commit();
    expect(await values(dir, 'a')).toEqual([2]);
    expect(await values(dir, 'b')).toEqual([2]);
    expect(await values(dir, 'raw_stripe__customers')).toEqual([2]);
    writer.close();
  });

  it('forgets a rolled-back or abandoned transaction, and the next commit deletes its files', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await first.db.writeSelect('core/a', 'select 1 as v');
    await first.lake.begin('killed');
    await first.db.writeSelect('core/a', 'select 99 as v');
    await first.lake.appendPart('raw/stripe/customers', 'killed', (tmp) =>
      first.db.run(`copy (select 99 as v) to ${sqlString(tmp)} (format parquet)`),
    );
    // A temp file a killed writer left behind.
    await writeFile(path.join(dir, 'core', '.a.parquet.deadbeef.tmp'), 'half');
    first.close(); // the process "dies" here: no commit, no rollback

    expect(await values(dir, 'a')).toEqual([1]);
    const next = await open(dir);
    expect((await next.lake.listTables()).map((t) => t.key)).toEqual(['core/a']);
    await next.lake.begin('next');
    await next.db.writeSelect('core/a', 'select 3 as v');
    await next.lake.commit();
    expect(await values(dir, 'a')).toEqual([3]);
    // Kept: the new version and the previous one (a reader may still have it open). Gone: the dead run's.
    const files = (await readdir(path.join(dir, 'core'))).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.startsWith('a@') && f.endsWith('.parquet'))).toBe(true);
    expect(await readdir(path.join(dir, 'raw/stripe/customers'))).toEqual([]);
    next.close();
  });

  it('publishes a table of parts in one step: kept parts untouched, the rest gone at the next commit', async () => {
    const dir = await tempDir();
    const writer = await open(dir);
    const [first, second] = await writer.db.writeParts('staging/stg_x', [
      { sql: 'select 1 as v' },
      { sql: 'select 2 as v' },
    ]);
    expect(await values(dir, 'stg_x')).toEqual([1, 2]);

    // A killed run: its parts are written, its manifest is not published.
    await writer.lake.begin('killed');
    await writer.db.writeParts('staging/stg_x', [{ keep: first! }, { sql: 'select 99 as v' }]);
    expect(await writer.db.query('select v from stg_x order by v')).toEqual([{ v: 1 }, { v: 99 }]);
    writer.close();
    expect(await values(dir, 'stg_x')).toEqual([1, 2]);

    const next = await open(dir);
    await expect(
      next.db.writeParts('staging/stg_x', [{ keep: 'staging/stg_x/nope.parquet' }]),
    ).rejects.toThrow(/not a part of staging\/stg_x/);
    await next.lake.begin('next');
    const parts = await next.db.writeParts('staging/stg_x', [{ keep: second! }, { sql: 'select 3 as v' }]);
    await next.lake.commit();
    expect(parts[0]).toBe(second);
    expect(await values(dir, 'stg_x')).toEqual([2, 3]);
    // Kept: the current parts and the previous set's (a reader may still have it open). Gone: the dead run's.
    const files = (await readdir(path.join(dir, 'staging/stg_x'))).sort();
    expect(files).toHaveLength(3);
    expect(files.map((f) => `staging/stg_x/${f}`)).toEqual([first!, ...parts].sort());
    next.close();
  });

  it('reads a lake written before manifests from its folders', async () => {
    const dir = await tempDir();
    const scratch = await open(await tempDir());
    await mkdir(path.join(dir, 'core'), { recursive: true });
    await mkdir(path.join(dir, 'raw/capitan/checkins'), { recursive: true });
    await scratch.db.run(
      `copy (select 7 as v) to ${sqlString(path.join(dir, 'core/old.parquet'))} (format parquet)`,
    );
    await scratch.db.run(
      `copy (select 8 as v) to ${sqlString(path.join(dir, 'raw/capitan/checkins/p1.parquet'))} (format parquet)`,
    );
    scratch.close();
    expect(await values(dir, 'old')).toEqual([7]);
    expect(await values(dir, 'raw_capitan__checkins')).toEqual([8]);
  });

  it('leaves folders that are not its layers alone', async () => {
    const dir = await tempDir();
    const writer = await open(dir);
    await mkdir(path.join(dir, 'sandbox/core'), { recursive: true });
    await writeFile(path.join(dir, 'sandbox/core/other.parquet'), 'another lake');
    await writer.db.writeSelect('core/a', 'select 1 as v');
    await writer.lake.begin('run');
    await writer.db.writeSelect('core/a', 'select 2 as v');
    await writer.lake.commit();
    expect(await readdir(path.join(dir, 'sandbox/core'))).toEqual(['other.parquet']);
    writer.close();
  });
});
