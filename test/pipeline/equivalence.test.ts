import { cp } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { compareLakes, isEquivalent, prepareRebuild } from '../../src/pipeline/equivalence.ts';
import { DEFAULT_TIME_ZONE } from '../../src/sandbox/generate.ts';
import { addScaleDay, writeScaleLake } from '../../src/sandbox/scale-writer.ts';
import { Database } from '../../src/sql/database.ts';
import { startDaily } from '../support/daily-process.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const isoDate = (date: Date) => date.toISOString().slice(0, 10);

describe('incremental days against a full rebuild (a small scaled lake)', () => {
  const tempDir = useTempDirs();

  it('finds a lake built day by day equivalent to a rebuild over the same raw, and one missing a day not', async () => {
    const root = await tempDir();
    const written = await writeScaleLake({
      scale: 0.05,
      dir: path.join(root, 'written'),
      workers: 0,
      days: 2,
    });
    const run = async (lake: string, asOf: Date) => {
      const done = await startDaily(['--no-fetch', '--as-of', isoDate(asOf)], {
        cwd: root,
        env: { BASIN_LAKE_URL: lake },
      }).done;
      expect(done.code, done.stdout + done.stderr).toBe(0);
      return done.stdout;
    };
    const incremental = path.join(root, 'incremental');
    await cp(path.join(root, 'written', 'raw'), path.join(incremental, 'raw'), { recursive: true });
    await run(incremental, written.days[0]!.asOf);
    for (const day of written.days) {
      const lake = new Lake({ kind: 'local', dir: incremental });
      await addScaleDay(lake, day);
      lake.close();
      expect(await run(incremental, day.asOf)).toMatch(/stage .* merged/);
    }
    const last = written.days.at(-1)!.asOf;
    const full = path.join(root, 'full');
    await prepareRebuild(incremental, full, DEFAULT_TIME_ZONE);
    await run(full, last);
    // The same rebuild without the last day's parts: what a run that missed a day would hold.
    const short = path.join(root, 'short');
    await prepareRebuild(incremental, short, DEFAULT_TIME_ZONE, (file) => !file.endsWith('-day2.parquet'));
    await run(short, last);

    const db = await Database.open(new Lake({ kind: 'local', dir: incremental }), {
      timeZone: DEFAULT_TIME_ZONE,
    });
    try {
      const same = await compareLakes(db, new Lake({ kind: 'local', dir: full }));
      expect(same.tables.length).toBeGreaterThan(50);
      expect(same.tables.some((t) => t.keyed)).toBe(true);
      expect(same.pairwise!.agreement).toBe(1);
      expect({ ...same, tables: [] }).toMatchObject({
        missing: [],
        independentDiffering: [],
        keyedDiffering: [],
      });
      expect(isEquivalent(same)).toBe(true);

      const missed = await compareLakes(db, new Lake({ kind: 'local', dir: short }));
      expect(missed.independentDiffering).toContain('staging/stg_capitan__checkins');
      expect(isEquivalent(missed)).toBe(false);
    } finally {
      db.close();
    }
  }, 300_000);
});
