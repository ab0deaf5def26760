import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterQuality } from '../../src/identity/evaluate.ts';
import type { Database } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { openDb, resolveCorpus } from './support.ts';

/**
 * Corpus a of the hard cases: 1,500 people of the 19th century known by name, birth date (some to
 * the month only) and sometimes a town, each written one to three times with slips.
 */
describe('identity resolution on name-only historical records', () => {
  const tempDir = useTempDirs();
  let db: Database;
  let quality: ClusterQuality;
  let yearOneOff: { pairs: number; joined: number };

  beforeAll(async () => {
    const dir = await tempDir();
    db = await openDb(dir);
    const { resolved, quality: q } = await resolveCorpus(db, dir, 'a.');
    quality = q;
    // Records of one person whose whole birth dates have one day and month and years one apart
    // across a decade (1839, 1840): no keystroke slip, a whole year apart.
    const [row] = await db.query(
      `with dated as (
         select record_id, customer_id, truth_label, try_cast(try_strptime(birth_date, ['%Y-%m-%d', '%m/%d/%Y', '%d %b %Y']) as date) as dob
         from ${resolved}
       )
       select count(*)::bigint as pairs, count(*) filter (where a.customer_id = b.customer_id)::bigint as joined
       from dated as a
       join dated as b on b.truth_label = a.truth_label and b.record_id > a.record_id
       where month(a.dob) = month(b.dob) and day(a.dob) = day(b.dob)
         and abs(year(a.dob) - year(b.dob)) = 1 and year(a.dob) // 10 <> year(b.dob) // 10`,
    );
    yearOneOff = { pairs: Number(row?.pairs), joined: Number(row?.joined) };
  }, 120_000);
  afterAll(() => db?.close());

  it('joins records into one customer only when they are one person (pairwise precision ≥ 0.99)', () => {
    expect(quality.records).toBeGreaterThan(2_000);
    expect(quality.precision).toBeGreaterThanOrEqual(0.99);
  });

  it('joins birth years one off across a decade (1839, 1840) with the same day and month', () => {
    expect(yearOneOff.pairs).toBeGreaterThanOrEqual(3);
    expect(yearOneOff.joined).toBe(yearOneOff.pairs);
  });
});
