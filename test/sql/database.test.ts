import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { Database } from '../../src/sql/database.ts';
import { parametersOf } from '../../src/sql/query-files.ts';
import { useTempDirs } from '../support/temp-dir.ts';

/** Runs a model of `queries/` by name, as `npx tsx src/cli.ts query` does. */
async function query(db: Database, name: string, params: Record<string, string | number>) {
  return (await openRunner(db)).rows(name, params, { exact: true });
}

describe('Database', () => {
  const tempDir = useTempDirs();

  async function withExampleTable() {
    const lake = new Lake({ kind: 'local', dir: await tempDir() });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    await db.writeSelect(
      'core/example_customers',
      `select * from (values
         (1, 'Robert O''Neil', timestamptz '2026-01-05 10:00:00+00'),
         (2, 'Katie Smith', timestamptz '2026-03-01 02:30:00+00'),
         (3, 'Rob Stone', timestamptz '2026-06-01 12:00:00+00')) t(id, name, joined_at)`,
    );
    return db;
  }

  it('runs a model of queries/ by name with named parameters', async () => {
    const db = await withExampleTable();
    const rows = await query(db, 'examples/customers_since', {
      since: '2026-02-01T00:00:00Z',
      name_like: 'rob%',
    });
    expect(rows.map((r) => r.id)).toEqual([3]);
    db.close();
  });

  it('reads doubles into typed arrays, null as NaN, across chunks, and other columns as JS values', async () => {
    const db = await withExampleTable();
    const columns = await db.typedColumns(
      `select i::double / 2 as half, case when i % 3 = 0 then null else i::double end as sometimes,
              i::varchar as label, i % 2 = 0 as even
       from range($n) as r(i) order by i`,
      { n: 5000 },
    );
    const half = columns.half as Float64Array;
    expect(half).toBeInstanceOf(Float64Array);
    expect(half).toHaveLength(5000);
    expect(half[4999]).toBe(2499.5);
    expect([...(columns.sometimes as Float64Array).slice(2998, 3001)]).toEqual([2998, 2999, Number.NaN]);
    expect(columns.label?.[4097]).toBe('4097');
    expect(columns.even?.slice(0, 2)).toEqual([true, false]);
    db.close();
  });

  it('treats a parameter value as data, never as SQL', async () => {
    const db = await withExampleTable();
    const rows = await query(db, 'examples/customers_since', {
      since: '2020-01-01T00:00:00Z',
      name_like: "%' or 1=1 --",
    });
    expect(rows).toEqual([]);
    const quoted = await query(db, 'examples/customers_since', {
      since: '2020-01-01T00:00:00Z',
      name_like: "%O'Neil",
    });
    expect(quoted.map((r) => r.id)).toEqual([1]);
    db.close();
  });

  it('names the file and the parameter when one is missing or unknown', async () => {
    const db = await withExampleTable();
    await expect(query(db, 'examples/customers_since', { since: '2026-01-01' })).rejects.toThrow(
      /customers_since\.sql: missing parameter\(s\) \$name_like/,
    );
    await expect(
      query(db, 'examples/customers_since', { since: '2026-01-01', name_like: '%', limit: 3 }),
    ).rejects.toThrow(/unknown parameter\(s\) \$limit/);
    await expect(query(db, 'examples/nope', {})).rejects.toThrow(/no model named examples\/nope/);
    db.close();
  });

  it('computes gym-local dates in the configured time zone', async () => {
    const db = await withExampleTable();
    // 02:30 UTC on March 1st is still February 28th in Chicago.
    const [row] = await db.query(
      'select joined_at::date::varchar as local_date from example_customers where id = 2',
    );
    expect(row).toEqual({ local_date: '2026-02-28' });
    db.close();
  });

  it('finds parameters outside comments and strings only', () => {
    expect(parametersOf("select $a, '$not' -- $nor\n/* $neither */ , $b, $a")).toEqual(['a', 'b']);
  });
});
