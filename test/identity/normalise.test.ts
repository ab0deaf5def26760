import { describe, expect, it } from 'vitest';
import { createInputTable, createRecordsTable, type IdentityRecord } from '../../src/identity/input.ts';
import { buildLookups } from '../../src/identity/lookups.ts';
import { SqlSteps } from '../../src/identity/sql-steps.ts';
import type { Row } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { AS_OF, openDb } from './support.ts';

async function normalise(records: IdentityRecord[]): Promise<Map<string, Row>> {
  const db = await openDb(await tempDirFor());
  try {
    await createRecordsTable(db, 'test_records', records);
    const summary = await createInputTable(db, 'select * from test_records');
    expect(summary.records).toBe(records.length);
    const steps = new SqlSteps(db);
    await steps.exec('id_macro_fold');
    await steps.exec('id_macro_soundex');
    await buildLookups(db, AS_OF, 'US');
    await steps.table('id_parsed_names');
    await steps.table('id_parsed_emails');
    await steps.table('id_name_forms');
    await steps.table('id_record_profiles');
    return new Map((await db.query('select * from id_record_profiles')).map((r) => [String(r.record_id), r]));
  } finally {
    db.close();
  }
}

let tempDirFor: () => Promise<string>;

describe('normalisation (id_record_profiles)', () => {
  tempDirFor = useTempDirs();

  it('folds case, accents and punctuation in names and keeps Jr/Sr apart as evidence', async () => {
    const rows = await normalise([
      { record_id: 'a', first_name: '  ZOË ', last_name: "O'Néill-Brady Jr." },
      { record_id: 'b', full_name: 'Dr. Jean-Luc de la Cruz Sr' },
      { record_id: 'c', full_name: 'Smith, John Q' },
      { record_id: 'd', full_name: 'JOHN Q. SMITH, JR.' },
      { record_id: 'e', first_name: 'Mary Ann', last_name: 'Van Dyke' },
    ]);
    expect([rows.get('a')?.fn, rows.get('a')?.ln, rows.get('a')?.suffix]).toEqual([
      'zoe',
      'oneillbrady',
      'jr',
    ]);
    expect([rows.get('b')?.fn, rows.get('b')?.ln, rows.get('b')?.suffix]).toEqual([
      'jeanluc',
      'delacruz',
      'sr',
    ]);
    expect([rows.get('c')?.fn, rows.get('c')?.ln]).toEqual(['john', 'smith']);
    expect([rows.get('d')?.fn, rows.get('d')?.ln, rows.get('d')?.suffix]).toEqual(['john', 'smith', 'jr']);
    expect([rows.get('e')?.fn, rows.get('e')?.ln]).toEqual(['mary', 'vandyke']);
  });

  it('lower-cases and trims emails, rejects invalid ones and keeps role and family addresses out of matching', async () => {
    const rows = await normalise([
      { record_id: 'a', email: '  Jane.Doe+gym@GMail.com ' },
      { record_id: 'b', email: 'not an email' },
      { record_id: 'c', email: 'info@basinclimbing.com' },
      { record_id: 'd', email: 'thesmithfamily@yahoo.com' },
      { record_id: 'e', email: 'none@none.com' },
    ]);
    expect(rows.get('a')).toMatchObject({
      email_norm: 'jane.doe+gym@gmail.com',
      email_valid: true,
      email_match: 'janedoe@gmail.com',
      email_user: 'jane.doe',
    });
    expect(rows.get('b')).toMatchObject({ email_valid: false, email_match: null });
    for (const id of ['c', 'd', 'e'])
      expect(rows.get(id), id).toMatchObject({ email_valid: true, email_is_role: true, email_match: null });
  });

  it('reads phones into E.164 and birth dates from any format, both readings of an ambiguous one kept', async () => {
    const rows = await normalise([
      { record_id: 'a', phone: '(254) 555-0134', birth_date: '03/04/1990' },
      { record_id: 'b', phone: '555-0134', birth_date: 'March 4, 1990' },
      { record_id: 'c', phone: '+44 20 7946 0958', birth_date: '1990-02-30' },
    ]);
    expect(rows.get('a')).toMatchObject({ phone_e164: '+12545550134', dob_status: 'ambiguous' });
    expect((rows.get('a')!.dob as Date).toISOString().slice(0, 10)).toBe('1990-03-04');
    expect((rows.get('a')!.dob_alt as Date).toISOString().slice(0, 10)).toBe('1990-04-03');
    expect(rows.get('b')).toMatchObject({ phone_e164: null, dob_status: 'ok' });
    expect(rows.get('c')).toMatchObject({ phone_e164: '+442079460958', dob: null, dob_status: 'invalid' });
  });

  it('keeps the year and month of a date written to the month or the year only', async () => {
    const rows = await normalise([
      { record_id: 'a', birth_date: 'Jan 1894' },
      { record_id: 'b', birth_date: '1894' },
      { record_id: 'c', birth_date: '1894-01-15' },
      { record_id: 'd', birth_date: 'unknown' },
    ]);
    expect(rows.get('a')).toMatchObject({ dob: null, dob_year: 1894, dob_month: 1, dob_status: 'partial' });
    expect(rows.get('b')).toMatchObject({
      dob: null,
      dob_year: 1894,
      dob_month: null,
      dob_status: 'partial',
    });
    expect(rows.get('c')).toMatchObject({ dob_year: 1894, dob_month: 1, dob_status: 'ok' });
    expect(rows.get('d')).toMatchObject({
      dob: null,
      dob_year: null,
      dob_month: null,
      dob_status: 'invalid',
    });
  });

  it('keeps the fields that used to be lost in parsing', async () => {
    const rows = await normalise([
      { record_id: 'a', email: 'Ada Lovelace <Ada.Lovelace@Fastmail.com>', phone: '0044 20 7946 0958' },
      { record_id: 'b', full_name: 'Harold Pemberton Senior', address: '12 Oak Street, Waco, TX 76701' },
      { record_id: 'c', first_name: 'Harold', last_name: 'Pemberton Junior' },
      { record_id: 'd', full_name: 'Junior Silva', first_name: 'Jo hn', last_name: 'Silva' },
      { record_id: 'e', national_id: '123-45-6789', gender: 'Female', state: 'nsw' },
    ]);
    expect(rows.get('a')).toMatchObject({
      email_valid: true,
      email_match: 'ada.lovelace@fastmail.com',
      phone_e164: '+442079460958',
    });
    expect(rows.get('b')).toMatchObject({
      fn: 'harold',
      ln: 'pemberton',
      suffix: 'sr',
      address: '12 oak st',
      city: 'waco',
      state: 'TX',
      postal: '76701',
    });
    expect(rows.get('c')).toMatchObject({ fn: 'harold', ln: 'pemberton', suffix: 'jr' });
    expect(rows.get('d')).toMatchObject({ fn: 'jo', fn_joined: 'john', suffix: null });
    expect(rows.get('e')).toMatchObject({ nid: '123456789', gender: 'f', state: 'NSW' });
  });

  it('takes the source from the record id when no source column is given', async () => {
    const rows = await normalise([{ record_id: 'stripe:charge:ch_1' }, { record_id: 'plain-id' }]);
    expect(rows.get('stripe:charge:ch_1')?.source).toBe('stripe');
    expect(rows.get('plain-id')?.source).toBeNull();
  });
});
