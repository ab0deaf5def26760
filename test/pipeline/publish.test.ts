import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { publish, snapshotName } from '../../src/pipeline/publish.ts';
import { Database, sqlString } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';

describe('publish: the run set made current, and the monthly snapshot', () => {
  const tempDir = useTempDirs();

  async function runOnce(lake: Lake, db: Database, runId: string, month: string, value: number) {
    await lake.begin(runId);
    await db.writeSelect('core/customer_master', `select ${value} as v`);
    await lake.appendPart('raw/stripe/customers', runId, (tmp) =>
      db.run(`copy (select ${value} as v) to ${sqlString(tmp)} (format parquet)`),
    );
    return publish(lake, db, month);
  }

  it('names the month by the gym-local date', () => {
    // 04:00 UTC on the 1st is still the 31st in Chicago.
    expect(snapshotName(new Date('2026-11-01T04:00:00Z'), 'America/Chicago')).toBe('2026-10-01');
    expect(snapshotName(new Date('2026-11-01T07:00:00Z'), 'America/Chicago')).toBe('2026-11-01');
  });

  it("snapshots on the month's first run even when the 1st was missed, once, and never copies raw", async () => {
    const dir = await tempDir();
    const lake = new Lake({ kind: 'local', dir });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    expect(await runOnce(lake, db, 'oct-30', '2026-10-01', 1)).toEqual({ snapshot: '2026-10-01', tables: 1 });
    // No run on November 1st or 2nd: the 3rd's run takes November's snapshot.
    expect(await runOnce(lake, db, 'nov-03', '2026-11-01', 2)).toEqual({ snapshot: '2026-11-01', tables: 1 });
    expect(await runOnce(lake, db, 'nov-04', '2026-11-01', 3)).toEqual({});
    expect(await readdir(path.join(dir, 'snapshots/2026-11-01'))).toEqual(['_complete.json', 'core']);
    const [row] = await db.query(
      `select v from read_parquet(${sqlString(path.join(dir, 'snapshots/2026-11-01/core/customer_master.parquet'))})`,
    );
    expect(row).toEqual({ v: 2 });
    db.close();
  });

  it('snapshots a table of parts as one file that reads alone, the rows its deletes name left out', async () => {
    const dir = await tempDir();
    const lake = new Lake({ kind: 'local', dir });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    await lake.begin('nov-01');
    const [old] = await db.writeParts('staging/stg_x', [{ sql: 'select range as v from range(3)' }]);
    await lake.commit();
    await lake.begin('nov-02');
    await db.writeParts('staging/stg_x', [{ keep: old! }, { sql: 'select 7 as v' }], {
      sql: `select ${sqlString(path.basename(old!))} as part, 0 as part_row`,
    });
    expect(await publish(lake, db, '2026-11-01')).toEqual({ snapshot: '2026-11-01', tables: 1 });
    const copy = path.join(dir, 'snapshots/2026-11-01/staging/stg_x.parquet');
    expect(await db.query(`select v::int as v from read_parquet(${sqlString(copy)}) order by v`)).toEqual(
      [1, 2, 7].map((v) => ({ v })),
    );
    expect(await readdir(path.join(dir, 'snapshots/2026-11-01/staging'))).toEqual(['stg_x.parquet']);
    db.close();
  });

  it('copies a table of one part with nothing deleted as it is', async () => {
    const dir = await tempDir();
    const lake = new Lake({ kind: 'local', dir });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    await lake.begin('nov-01');
    // Its key-value metadata (an incremental table's ledger) would not survive a rewrite.
    const [part] = await db.writeParts('staging/stg_x', [
      { sql: 'select range as v from range(3)', metadata: { ledger: 'kept' } },
    ]);
    await publish(lake, db, '2026-11-01');
    const copy = await readFile(path.join(dir, 'snapshots/2026-11-01/staging/stg_x.parquet'));
    expect(copy.equals(await readFile(path.join(dir, part!)))).toBe(true);
    db.close();
  });

  it('takes the snapshot again when the one there never completed (a run killed while copying)', async () => {
    const dir = await tempDir();
    const lake = new Lake({ kind: 'local', dir });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    await runOnce(lake, db, 'nov-01', '2026-11-01', 1);
    await rm(path.join(dir, 'snapshots/2026-11-01/_complete.json'));
    expect(await lake.hasSnapshot('2026-11-01')).toBe(false);
    expect(await runOnce(lake, db, 'nov-02', '2026-11-01', 2)).toEqual({ snapshot: '2026-11-01', tables: 1 });
    expect(await lake.hasSnapshot('2026-11-01')).toBe(true);
    db.close();
  });
});
