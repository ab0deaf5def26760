import { describe, expect, it } from 'vitest';
import { ruleMask } from '../../src/identity/blocking.ts';
import { DEFAULT_CONFIG } from '../../src/identity/config.ts';
import { createInputTable, createRecordsTable, type IdentityRecord } from '../../src/identity/input.ts';
import { resolveIdentities } from '../../src/identity/resolve.ts';
import { folderStore } from '../../src/identity/store.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { AS_OF, openDb } from './support.ts';

const tempDir = useTempDirs();

describe('blocking of an oversized weak block', () => {
  it('pairs each profile with its next neighbours in name order only, so the pairs grow with the block, not its square', async () => {
    // Thirty people of one surname born in one year: one surname-and-birth-year block, three times
    // the weak cap. Their first names and birth days differ, so no other rule pairs them.
    const size = 3 * DEFAULT_CONFIG.maxWeakBlockSize;
    const records: IdentityRecord[] = Array.from({ length: size }, (_, i) => ({
      record_id: `r${i}`,
      first_name: `${String.fromCharCode(97 + (i % 26))}${'bdgklmnprt'[i % 10]}${'aeiou'[i % 5]}x${String.fromCharCode(97 + Math.floor(i / 26))}zq`,
      last_name: 'Thistlewood',
      birth_date: `1990-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + Math.floor(i / 12)).padStart(2, '0')}`,
    }));
    const dir = await tempDir();
    const db = await openDb(dir);
    try {
      await createRecordsTable(db, 'test_records', records);
      await createInputTable(db, 'select * from test_records');
      await resolveIdentities(db, folderStore(db, `${dir}/out`), {
        asOf: AS_OF,
        now: AS_OF,
        keepWorkTables: true,
      });
      const [row] = await db.query(
        `select count(*)::integer as pairs, count(*) filter (where rules <> $mask)::integer as by_other_rules
         from id_candidate_pairs where rules & $mask <> 0`,
        { mask: ruleMask(['surname_birth_year']) },
      );
      const neighbours = DEFAULT_CONFIG.neighbours;
      // Each of the first size − neighbours profiles meets `neighbours` later ones; the last few fewer.
      const expected = size * neighbours - (neighbours * (neighbours + 1)) / 2;
      expect(row).toEqual({ pairs: expected, by_other_rules: 0 });
    } finally {
      db.close();
    }
  });
});
