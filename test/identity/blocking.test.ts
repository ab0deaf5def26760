import { describe, expect, it } from 'vitest';
import { ruleMask } from '../../src/identity/blocking.ts';
import { DEFAULT_CONFIG } from '../../src/identity/config.ts';
import { createInputTable, createRecordsTable, type IdentityRecord } from '../../src/identity/input.ts';
import { resolveIdentities } from '../../src/identity/resolve.ts';
import { folderStore } from '../../src/identity/store.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { AS_OF, openDb } from './support.ts';

const tempDir = useTempDirs();

async function candidatePairs(records: IdentityRecord[], mask: number) {
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
    return await db.query(
      `select l.rep_record_id as l, r.rep_record_id as r, c.rules
       from id_candidate_pairs as c
       join id_profiles as l on l.profile_id = c.pid_l
       join id_profiles as r on r.profile_id = c.pid_r
       where c.rules & $mask <> 0
       order by 1, 2`,
      { mask },
    );
  } finally {
    db.close();
  }
}

describe('blocking of an oversized weak block', () => {
  // Thirty people of one surname born in one year: one surname-and-birth-year block, three times the
  // weak cap. Their first names (each of its own sound) and birth days differ, so no other rule pairs
  // them; each has an email of their own (too short a user name for the email keys), so the name-only
  // key is off.
  const size = 3 * DEFAULT_CONFIG.maxWeakBlockSize;
  const namesakes: IdentityRecord[] = Array.from({ length: size }, (_, i) => ({
    record_id: `r${String(i).padStart(2, '0')}`,
    // One Soundex code per consonant (b 1, g 2, d 3, l 4, m 5, r 6): thirty first names, thirty sounds.
    first_name: `qa${'bgdlmr'[i % 6]}e${'bgdlmr'[Math.floor(i / 6)]}o`,
    last_name: 'Thistlewood',
    email: `p${i}@mail${i}.com`,
    birth_date: `1990-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + Math.floor(i / 12)).padStart(2, '0')}`,
  }));

  it('pairs each profile with its next neighbours in name order only, so the pairs grow with the block, not its square', async () => {
    const mask = ruleMask(['surname_birth_year']);
    const pairs = await candidatePairs(namesakes, mask);
    const neighbours = DEFAULT_CONFIG.neighbours;
    // Each of the first size − neighbours profiles meets `neighbours` later ones; the last few fewer.
    expect(pairs).toHaveLength(size * neighbours - (neighbours * (neighbours + 1)) / 2);
    expect(pairs.filter((p) => Number(p.rules) !== mask)).toEqual([]);
  });

  it('leaves an oversized email-ends block out and pairs one within the cap whole', async () => {
    // Thirty users whose names start with the same five letters at one domain (over the weak cap),
    // and two who share the last five letters of theirs at another; email only, no names.
    const others: IdentityRecord[] = Array.from({ length: size }, (_, i) => ({
      record_id: `m${String(i).padStart(2, '0')}`,
      email: `jessi${String(i).padStart(3, '0')}@fastmail.com`,
    }));
    const records: IdentityRecord[] = [
      ...others,
      { record_id: 'a1', email: 'qjessicacox84@mail.org' },
      { record_id: 'a2', email: 'wjessicaxcox84@mail.org' },
    ];
    const pairs = await candidatePairs(records, ruleMask(['email_ends']));
    expect(pairs).toEqual([{ l: 'a1', r: 'a2', rules: ruleMask(['email_ends']) }]);
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
    const pairs = await candidatePairs(records, ruleMask(['surname_ends_initial']));
    // Records with a phone keep to their contact keys: r3 and r4 are not paired by this rule. (The
    // birth month and initials pair r1 and r2 too.)
    expect(pairs).toEqual([
      { l: 'r1', r: 'r2', rules: ruleMask(['surname_ends_initial', 'birth_month_initials']) },
    ]);
  });

  it('pairs names slipped in both surname ends on the birth year and month and the initials', async () => {
    // Nguycn and Nugyen: other Soundex codes (n225, n250), other first and last three letters, and
    // a month-only date, so only the birth month and initials are shared.
    const records: IdentityRecord[] = [
      { record_id: 'r1', first_name: 'Ingrid', last_name: 'Nguycn', birth_date: 'Oct 1890' },
      { record_id: 'r2', first_name: 'Ingrid', last_name: 'Nugyen', birth_date: '10/03/1890' },
      {
        record_id: 'r3',
        first_name: 'Ingrid',
        last_name: 'Nguyen',
        birth_date: 'Oct 1890',
        phone: '+1 415 555 0134',
      },
    ];
    const pairs = await candidatePairs(records, ruleMask(['birth_month_initials']));
    expect(pairs).toEqual([{ l: 'r1', r: 'r2', rules: ruleMask(['birth_month_initials']) }]);
  });
});

describe('blocking of name-only records with a slipped date', () => {
  it('pairs names slipped on both sides when the year or the month of birth slipped too', async () => {
    // Every name key breaks (Prya Tcnnant and Priya Tennsnt: other surname sounds and ends; Ravi Km
    // and Rai Kim: other first-name sounds, a surname too short for its ends) and the slipped month
    // or year breaks the date keys; the two parts of the date that did not slip, with the initials,
    // still meet.
    const records: IdentityRecord[] = [
      { record_id: 'p1', first_name: 'Prya', last_name: 'Tcnnant', birth_date: '1856-07-25' },
      { record_id: 'p2', first_name: 'Priya', last_name: 'Tennsnt', birth_date: '1856-06-25' },
      { record_id: 'k1', first_name: 'Ravi', last_name: 'Km', birth_date: '17 Feb 1858' },
      { record_id: 'k2', first_name: 'Rai', last_name: 'Kim', birth_date: '17 Feb 1868' },
    ];
    const anyRule = -1;
    const pairs = await candidatePairs(records, anyRule);
    expect(pairs).toEqual([
      { l: 'k1', r: 'k2', rules: ruleMask(['birth_date_parts_initials']) },
      { l: 'p1', r: 'p2', rules: ruleMask(['birth_date_parts_initials']) },
    ]);
  });
});
