/**
 * The churn training set on the demo gym's lake (the run's shared one): month-end dates, labels that
 * follow the memberships, and features that ignore every event after their as-of date.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberMonths, monthEnds } from '../../src/churn/training-set.ts';
import { Lake } from '../../src/lake/lake.ts';
import type { ModelRunner } from '../../src/models/runner.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { DEFAULT_TIME_ZONE } from '../../src/sandbox/generate.ts';
import { Database } from '../../src/sql/database.ts';
import { BUILD_WAIT_MS, sharedDemoLake } from '../support/demo-lake.ts';

let db: Database;
let runner: ModelRunner;

beforeAll(async () => {
  const demo = await sharedDemoLake();
  db = await Database.open(new Lake({ kind: 'local', dir: demo.lakeDir }), { timeZone: DEFAULT_TIME_ZONE });
  runner = await openRunner(db);
}, BUILD_WAIT_MS);

afterAll(() => db?.close());

const AS_OF_DATES = ['2025-09-30', '2026-03-31'];
const LAKE_END = '2026-11-19';

describe('month-ends', () => {
  it('runs from the first month to the last full month-end', () => {
    expect(monthEnds('2024-10-17', '2025-03-30')).toEqual([
      '2024-10-31',
      '2024-11-30',
      '2024-12-31',
      '2025-01-31',
      '2025-02-28',
    ]);
    expect(monthEnds('2024-02-01', '2024-02-29')).toEqual(['2024-02-29']);
  });
});

describe('member-months on the demo gym', () => {
  it('features as of T do not change when every later event and membership end is removed', async () => {
    const full = await memberMonths(runner, { asOfDates: AS_OF_DATES, asOf: LAKE_END });
    expect(full.rows).toBeGreaterThan(1000);
    for (const day of AS_OF_DATES) {
      // The lake as it stood at the end of T: later events gone, later ends not yet known.
      await db.run(
        `create or replace temp table customer_events as
         select * from main.customer_events where event_local_date <= $day::date`,
        { day },
      );
      await db.run(
        `create or replace temp table customer_memberships as
         select * replace (case when ended_on <= $day::date then ended_on end as ended_on)
         from main.customer_memberships where started_on <= $day::date`,
        { day },
      );
      const [seen] = await db.query('select max(event_local_date)::varchar as last from customer_events');
      expect(seen?.last).toBe(day);
      const truncated = await memberMonths(runner, { asOfDates: [day], asOf: LAKE_END });
      await db.run('drop table temp.customer_events; drop table temp.customer_memberships');
      const featureNames = Object.keys(full.columns).filter((c) => c !== 'churned');
      const rowsOf = (data: typeof full, only: string) =>
        [...Array(data.rows).keys()]
          .filter((i) => data.columns.as_of![i] === only)
          .map((i) => JSON.stringify(featureNames.map((c) => String(data.columns[c]![i]))));
      const expected = rowsOf(full, day);
      expect(expected.length).toBeGreaterThan(500);
      expect(rowsOf(truncated, day)).toEqual(expected);
    }
  });

  it('labels a member churned when their membership ends within 90 days with no other to follow', async () => {
    const data = await memberMonths(runner, { asOfDates: AS_OF_DATES, asOf: LAKE_END });
    const churned = data.columns.churned as unknown[];
    expect(churned.every((v) => v === true || v === false)).toBe(true);
    const rate = churned.filter((v) => v === true).length / data.rows;
    expect(rate).toBeGreaterThan(0.05);
    expect(rate).toBeLessThan(0.4);
    const [check] = await db.query(
      `select count(*)::bigint as n from customer_memberships
       where is_membership and customer_id = $customer and started_on <= $day::date
         and ended_on > $day::date and ended_on <= $day::date + 90`,
      {
        customer: String(data.columns.customer_id![churned.indexOf(true)]),
        day: String(data.columns.as_of![churned.indexOf(true)]),
      },
    );
    expect(Number(check?.n)).toBeGreaterThan(0);
  });

  it('leaves a label unknown while its 90 days reach past the lake', async () => {
    const data = await memberMonths(runner, { asOfDates: ['2026-10-31'], asOf: LAKE_END });
    expect(data.rows).toBeGreaterThan(500);
    expect(data.columns.churned!.every((v) => v === null)).toBe(true);
  });
});
