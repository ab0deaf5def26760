import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { stage } from '../../src/pipeline/stage.ts';
import { Database } from '../../src/sql/database.ts';
import { appendRawPart } from '../support/staging-parts.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const timeZone = 'America/Chicago';

describe('stage', () => {
  const tempDir = useTempDirs();

  it('counts, per staging table and column, the raw values that did not parse as a date', async () => {
    const db = await Database.open(new Lake({ kind: 'local', dir: await tempDir() }), { timeZone });
    try {
      await appendRawPart(
        db,
        'raw/instagram/media',
        'part-1',
        { fetchedAt: '2026-11-20T12:00:00Z', runId: 'run-1' },
        {
          p1: { timestamp: '2026-11-19T18:30:00+0000', media_type: 'IMAGE' },
          p2: { timestamp: 'yesterday evening', media_type: 'IMAGE' },
          p3: { timestamp: '19/11/2026', media_type: 'VIDEO' },
          p4: { media_type: 'IMAGE' },
        },
      );
      const staged = await stage(db, { time_zone: timeZone }, { onlySource: 'instagram' });
      expect(staged.unparsedDates).toEqual([
        { table: 'stg_instagram__posts', column: 'posted_at', count: 2 },
      ]);
    } finally {
      db.close();
      db.lake.close();
    }
  });
});
