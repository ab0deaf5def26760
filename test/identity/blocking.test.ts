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
    // the weak cap. Their first names and birth days differ, so no other rule pairs them; each has
    // an email of their own (too short a user name for the email keys), so the name-only key is off.
    const size = 3 * DEFAULT_CONFIG.maxWeakBlockSize;
    const records: IdentityRecord[] = Array.from({ length: size }, (_, i) => ({
      record_id: `r${i}`,
      first_name: `${String.fromCharCode(97 + (i % 26))}${'bdgklmnprt'[i % 10]}${'aeiou'[i % 5]}x${String.fromCharCode(97 + Math.floor(i / 26))}zq`,
      last_name: 'Thistlewood',
      email: `p${i}@mail${i}.com`,
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

describe('blocking of name-only records', () => {
  it('pairs a misread surname (Patel, Patrl) on its unchanged end when a date is missing', async () => {
    // Soundex of the surnames differs (p340, p364) and one date is month-only, so no name-and-date
    // or phonetic key is shared; the first three letters of the surname and the first initial are.
    const records: IdentityRecord[] = [
      {
        record_id: 'r1',
        first_name: 'Catherine',
        last_name: 'Patel',
        birth_date: '1889-01-11',
        city: 'Dunwich',
      },
      {
        record_id: 'r2',
        first_name: 'Catherine',
        last_name: 'Patrl',
        birth_date: 'Jan 1889',
        city: 'Dunwich',
      },
      { record_id: 'r3', first_name: 'Cathy', last_name: 'Patel', phone: '+1 415 555 0134' },
      { record_id: 'r4', first_name: 'Cathy', last_name: 'Patrl', phone: '+1 415 555 0177' },
    ];
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
      const pairs = await db.query(
        `select l.rep_record_id as l, r.rep_record_id as r, c.rules
         from id_candidate_pairs as c
         join id_profiles as l on l.profile_id = c.pid_l
         join id_profiles as r on r.profile_id = c.pid_r
         where c.rules & $mask <> 0
         order by 1, 2`,
        { mask: ruleMask(['surname_ends_initial']) },
      );
      // Records with a phone keep to their contact keys: r3 and r4 are not paired by this rule.
      expect(pairs).toEqual([{ l: 'r1', r: 'r2', rules: ruleMask(['surname_ends_initial']) }]);
    } finally {
      db.close();
    }
  });
});
