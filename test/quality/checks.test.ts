import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { type CheckResult, loadChecks, runChecks } from '../../src/quality/checks.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { Database } from '../../src/sql/database.ts';
import { freePortRange, startDaily, tinySandboxArgs } from '../support/daily-process.ts';
import { runEntry } from '../support/run-cli.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const timeZone = 'America/Chicago';

/**
 * The tiny sandbox gym run through the whole daily pipeline once; each test copies that lake,
 * plants one defect in it, and runs every check.
 */
describe('data-quality checks on the sandbox lake', () => {
  const tempDir = useTempDirs();
  let work: string;
  let cleanLake: string;
  const clock = generateGym({ size: 'tiny' }).asOf;
  const asOf = clock.toLocaleDateString('en-CA', { timeZone });

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'basin-quality-'));
    cleanLake = path.join(work, 'lake');
    const port = await freePortRange();
    const run = startDaily(tinySandboxArgs(port, cleanLake), { cwd: work });
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function lakeWith(defect?: string): Promise<CheckResult[]> {
    const dir = await tempDir();
    await cp(cleanLake, dir, { recursive: true });
    const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone });
    try {
      if (defect) {
        const [key, sql] = defect.split('\n=\n') as [string, string];
        await db.writeSelect(key, sql);
      }
      return await runChecks(db, await loadChecks(), { asOf, now: clock, timeZone });
    } finally {
      db.close();
    }
  }
  const failing = (results: CheckResult[]) =>
    results.filter((r) => r.status === 'fail').map((r) => r.check_name);

  it('passes every check on the clean lake, and each check says what it guards', async () => {
    const results = await lakeWith();
    expect(failing(results)).toEqual([]);
    expect(results.map((r) => r.check_name)).toEqual([
      'ad_spend_reconciliation',
      'customer_coverage',
      'duplicate_customer_ids',
      'event_dates_in_range',
      'future_events',
      'identity_confidence',
      'null_event_dates',
      'orphan_events',
      'orphan_identifiers',
      'oversized_customers',
      'rejected_records',
      'revenue_reconciliation',
      'source_freshness',
    ]);
    for (const r of results) {
      expect(r.description.length, r.check_name).toBeGreaterThan(20);
      expect(['error', 'warn']).toContain(r.severity);
    }
  });

  const defects: [string, string, string, number][] = [
    [
      "an ad's day whose spend no longer adds up to its campaign's",
      'ad_spend_reconciliation',
      `staging/stg_ad_spend_daily\n=\nselect * replace (case when ad_day_id = (select min(ad_day_id) from stg_ad_spend_daily)
         then spend_cents + 500 else spend_cents end as spend_cents) from stg_ad_spend_daily`,
      1,
    ],
    [
      'a duplicate customer id',
      'duplicate_customer_ids',
      `core/customer_master\n=\nselect * from customer_master union all (select * from customer_master order by customer_id limit 1)`,
      1,
    ],
    [
      'an identifier of a customer that does not exist',
      'orphan_identifiers',
      `core/customer_identifiers\n=\nselect * from customer_identifiers
       union all (select * replace ('cus_ghost' as customer_id) from customer_identifiers limit 1)`,
      1,
    ],
    [
      'an event of a customer that does not exist',
      'orphan_events',
      `core/customer_events\n=\nselect * from customer_events
       union all (select * replace ('cus_ghost' as customer_id, 1 as event_id) from customer_events
                  where customer_id is not null limit 1)`,
      1,
    ],
    [
      'an event dated the day after today',
      'future_events',
      `core/customer_events\n=\nselect * from customer_events
       union all (select * replace (2 as event_id, event_date + interval 400 day as event_date,
                                    event_local_date + interval 400 day as event_local_date)
                  from customer_events order by event_local_date desc limit 1)`,
      1,
    ],
    [
      'an event with a null date',
      'null_event_dates',
      `core/customer_events\n=\nselect * from customer_events
       union all (select * replace (3 as event_id, null as event_date, null as event_local_date) from customer_events limit 1)`,
      1,
    ],
    [
      'a year mis-parsed as 0024',
      'event_dates_in_range',
      `core/customer_events\n=\nselect * from customer_events
       union all (select * replace (4 as event_id, timestamptz '0024-03-01 12:00:00+00' as event_date,
                                    date '0024-03-01' as event_local_date) from customer_events limit 1)`,
      1,
    ],
    [
      'a stream that last succeeded three days ago',
      'source_freshness',
      `state/fetch_state\n=\nselect * replace (case when source = 'capitan' and stream = 'checkins'
         then last_success_at - interval 3 day else last_success_at end as last_success_at) from fetch_state`,
      1,
    ],
    [
      'a transaction line counted twice',
      'revenue_reconciliation',
      `core/transactions\n=\nselect * from transactions
       union all (select * from transactions where source = 'square' and amount_cents > 0 limit 1)`,
      1,
    ],
    [
      'one customer made of 150 records',
      'oversized_customers',
      `core/resolved_records\n=\nselect * replace (case when row_number() over (order by record_id) <= 150
         then 'cus_blob' else customer_id end as customer_id) from resolved_records`,
      1,
    ],
    [
      'rejected records in the latest fetch',
      'rejected_records',
      `state/rejected_records\n=\nselect (select max(run_id) from fetch_state) as run_id, 'stripe' as source,
         'customers' as stream, 'cus_bad' as record_id, 'email: invalid' as reason, '{}' as payload,
         now() as rejected_at`,
      1,
    ],
  ];

  for (const [what, check, defect, rows] of defects) {
    it(`catches ${what} (${check})`, async () => {
      const results = await lakeWith(defect);
      const result = results.find((r) => r.check_name === check)!;
      expect(result.status).toBe('fail');
      expect(result.failing_rows).toBe(rows);
      expect(JSON.parse(result.sample)).toHaveLength(rows);
      // The defect trips its own check; the others are unaffected except where the defect is theirs too.
      const others = failing(results).filter((name) => name !== check);
      expect(others.filter((name) => !relatedChecks[check]?.includes(name))).toEqual([]);
    });
  }

  it('check: prints the results and headline, stores them, and exits 1 on an error-severity failure', async () => {
    const dir = await tempDir();
    await cp(cleanLake, dir, { recursive: true });
    const env = { BASIN_LAKE_URL: dir, BASIN_TIMEZONE: timeZone };
    const clean = await runEntry('src/cli.ts', ['check', '--as-of', asOf], { cwd: dir, env });
    expect(clean.stdout).toMatch(/duplicate_customer_ids\s+error\s+pass\s+0/);
    expect(clean.stdout).toMatch(/total customers: [\d,]+/);
    expect(clean.stdout).toMatch(/customers with events: [\d,]+ \([\d.]+%\)/);
    expect(clean.stdout).toMatch(/null event dates: 0%/);
    expect(clean.stdout).toMatch(/event confidence: exact [\d.]+%, medium/);
    expect(clean.code).toBe(0);

    const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone });
    await db.writeSelect(
      'core/customer_master',
      'select * from customer_master union all (select * from customer_master limit 1)',
    );
    db.close();
    const broken = await runEntry('src/cli.ts', ['check', '--as-of', asOf], { cwd: dir, env });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/duplicate_customer_ids\s+error\s+FAIL\s+1/);
    expect(broken.stderr).toContain('error-severity check(s) failed: duplicate_customer_ids');

    const reader = await Database.open(new Lake({ kind: 'local', dir }), { timeZone });
    const stored = await reader.query(
      `select count(distinct run_id)::int as runs, count(*)::int as rows,
              count(*) filter (where status = 'fail' and check_name = 'duplicate_customer_ids')::int as duplicates
       from quality_results`,
    );
    // The daily run's results, then the two check runs'.
    expect(stored).toEqual([{ runs: 3, rows: 39, duplicates: 1 }]);
    reader.close();
  }, 60_000);
});

/** Checks a defect may trip besides its own: a duplicated customer row also inflates coverage etc. */
const relatedChecks: Record<string, string[]> = {
  null_event_dates: ['event_dates_in_range', 'future_events'],
  oversized_customers: ['orphan_events', 'orphan_identifiers', 'customer_coverage'],
};
