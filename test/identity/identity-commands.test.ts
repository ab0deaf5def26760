import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { Database, sqlString } from '../../src/sql/database.ts';
import { runEntry } from '../support/run-cli.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const csv = `record_id,source,first_name,last_name,full_name,email,phone,birth_date,person
capitan:customer:1,capitan,Robert,Ashcombe,,bob.ashcombe@gmail.com,(254) 555-0101,03/04/1981,p1
stripe:charge:ch_1,stripe,,,Bob Ashcombe,BOB.ASHCOMBE@gmail.com ,,,p1
square:customer:s1,square,Bobby,Ashcombe,,bob.ashcombe@gmail.com,254.555.0101,,p1
capitan:customer:2,capitan,Lena,Ashcombe,,,254-555-0101,2015-06-01,p2
capitan:customer:3,capitan,Tobias,Wrenfield,,toby.w@outlook.com,,1990-12-24,p3
mailchimp:member:m3,mailchimp,Toby,Wrenfield,,toby.w@outlook.com,,,p3
capitan:customer:4,capitan,Agnes,Holloway,,not-an-email,,,p4
`;

describe('resolve and explain commands', () => {
  const tempDir = useTempDirs();

  it('resolves a CSV into a folder, prints quality against a truth column, and explains a customer', async () => {
    const dir = await tempDir();
    const input = path.join(dir, 'people.csv');
    const out = path.join(dir, 'out');
    await writeFile(input, csv);

    const resolved = await runEntry(
      'src/cli.ts',
      ['resolve', '--input', input, '--out', out, '--truth', 'person', '--as-of', '2026-11-20'],
      { cwd: dir },
    );
    expect(resolved.stderr).toBe('');
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toMatch(/resolved 7 records into 4 customers in 3 households/);
    expect(resolved.stdout).toMatch(/rejected as invalid: 1 emails/);
    expect(resolved.stdout).toMatch(/pairwise precision\s+1\n/);
    expect(resolved.stdout).toMatch(/pairwise recall\s+1\n/);
    expect(resolved.stdout).toMatch(/B-cubed F1\s+1\n/);

    const db = await Database.open(new Lake({ kind: 'local', dir: path.join(dir, 'lake') }), {
      timeZone: 'UTC',
    });
    const rows = await db.query(
      `select record_id, customer_id, confidence from read_parquet(${sqlString(path.join(out, 'resolved_records.parquet'))}) order by record_id`,
    );
    expect(rows).toHaveLength(7);
    const byRecord = new Map(rows.map((r) => [r.record_id, r.customer_id]));
    expect(byRecord.get('stripe:charge:ch_1')).toBe(byRecord.get('capitan:customer:1'));
    expect(byRecord.get('capitan:customer:2')).not.toBe(byRecord.get('capitan:customer:1'));
    for (const table of [
      'customer_master',
      'customer_identifiers',
      'households',
      'identity_links',
      'identity_review',
      'customer_id_map',
    ]) {
      const [count] = await db.query(
        `select count(*)::integer as n from read_parquet(${sqlString(path.join(out, `${table}.parquet`))})`,
      );
      expect(Number(count?.n), table).toBeGreaterThanOrEqual(table === 'identity_review' ? 0 : 1);
    }
    db.close();

    const explained = await runEntry('src/cli.ts', ['explain', '--dir', out, 'Bob.Ashcombe@gmail.com'], {
      cwd: dir,
    });
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/Robert Ashcombe/);
    expect(explained.stdout).toMatch(/stripe:charge:ch_1/);
    expect(explained.stdout).toMatch(/same email, nothing against it/);
    expect(explained.stdout).toMatch(/first_name\s+nickname or preferred name of the same name/);
    expect(explained.stdout).toMatch(/shares a phone with another person/);

    const byPhone = await runEntry('src/cli.ts', ['explain', '--dir', out, '254 555 0101'], { cwd: dir });
    expect(byPhone.stdout).toMatch(/belongs to 2 customers/);
  }, 120_000);

  it('refuses --input without --out, and names a missing record_id column', async () => {
    const dir = await tempDir();
    const input = path.join(dir, 'bad.csv');
    await writeFile(input, 'id,email\n1,a@b.com\n');
    const lone = await runEntry('src/cli.ts', ['resolve', '--input', input], { cwd: dir });
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/--input and --out go together/);
    const missing = await runEntry(
      'src/cli.ts',
      ['resolve', '--input', input, '--out', path.join(dir, 'o')],
      { cwd: dir },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing column\(s\) `record_id`/);
  }, 60_000);

  it('resolves the lake: staging/stg_identity_records in, core/ and state/ tables out, explain reads them', async () => {
    const dir = await tempDir();
    const lakeDir = path.join(dir, 'lake');
    const lake = new Lake({ kind: 'local', dir: lakeDir });
    const db = await Database.open(lake, { timeZone: 'UTC' });
    const input = path.join(dir, 'people.csv');
    await writeFile(input, csv);
    await db.writeSelect(
      'staging/stg_identity_records',
      `select * exclude (person) from read_csv(${sqlString(input)}, header = true, all_varchar = true)`,
    );
    db.close();
    const env = { BASIN_LAKE_URL: lakeDir };

    const resolved = await runEntry('src/cli.ts', ['resolve', '--as-of', '2026-11-20'], { cwd: dir, env });
    expect(resolved.stderr).toBe('');
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toMatch(/resolved 7 records into 4 customers/);
    const tables = (await lake.listTables()).map((t) => t.key);
    for (const key of [
      'core/customer_master',
      'core/customer_identifiers',
      'core/households',
      'core/identity_links',
      'core/identity_review',
      'core/resolved_records',
      'core/identity_model',
      'state/customer_id_map',
      'state/customer_id_aliases',
      'state/customer_id_splits',
    ])
      expect(tables, key).toContain(key);

    const explained = await runEntry('src/cli.ts', ['explain', 'toby.w@OUTLOOK.com'], { cwd: dir, env });
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/Tobias Wrenfield/);
    expect(explained.stdout).toMatch(/mailchimp:member:m3/);

    const unknown = await runEntry('src/cli.ts', ['explain', 'nobody@nowhere.org'], { cwd: dir, env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no customer found for nobody@nowhere.org/);
  }, 120_000);
});
