import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { Database } from '../../src/sql/database.ts';
import { queriesDir } from '../../src/sql/query-files.ts';
import { useTempDirs } from '../support/temp-dir.ts';

/** Real description strings (reference §1.5, §2.1, §2.2) and what each must become. */
const cases: [description: string, category: string, subCategory: string | null][] = [
  ['Capitan membership #180227 renewal payment', 'membership_renewal', null],
  ['Capitan membership #180227 initial payment', 'new_membership', null],
  ['New Membership - Solo Weekly', 'new_membership', null],
  ['Membership Renewal - Family Annual', 'membership_renewal', null],
  ['Day Pass with Gear (Adult 14 and Up) (0 remaining)', 'day_pass', 'adult'],
  ['Youth Day Pass with Gear (Under 14 y/o) (0 remaining)', 'day_pass', 'youth'],
  ['Day Pass (14 and Up)', 'day_pass', 'adult'],
  ['Kids Entry Pass (Under 14)', 'day_pass', 'youth'],
  ['5 Climb Punch Pass 60 Days (3 remaining)', 'day_pass', 'punch pass'],
  ['10 Punch Pass', 'day_pass', 'punch pass'],
  ['Guest Pass from Jane Doe', 'day_pass', 'guest pass'],
  ['2-Week Climbing Pass', 'day_pass', '2-week pass'],
  ['2-Week Fitness Pass', 'day_pass', '2-week pass'],
  ['Gear Upgrade', 'day_pass', 'gear upgrade'],
  ['Spectator Day Pass', 'day_pass', 'spectator'],
  ['Mid-Day Day Pass', 'day_pass', 'mid-day'],
  ['Day Pass', 'day_pass', null],
  ['[Calendly] Basin 2 Hour Birthday Party', 'event_booking', 'birthday'],
  ['Birthday Party- non-member', 'event_booking', 'birthday'],
  ['Basin 2 Hour Birthday Party Rental', 'event_booking', 'birthday'],
  ['Adult Climbing Retreat', 'event_booking', 'retreat'],
  ['Boulder Bash Booking', 'event_booking', null],
  ['Party Room Rental', 'event_booking', null],
  ['Ladies Night Event', 'event_booking', null],
  ['Summer Camp Session 2', 'programming', 'camps'],
  ['Spring Break Camp', 'programming', 'camps'],
  ['HYROX CLASS', 'programming', 'fitness'],
  ['6 Week Transformation', 'programming', 'fitness'],
  ['Fitness Only- Unlimited', 'programming', 'fitness'],
  ['Climbing Technique Workshop', 'programming', null],
  ['Intro to Bouldering Class', 'programming', 'classes'],
  ['Comp Prep Clinic', 'programming', 'classes'],
  ['Youth Comp Prep', 'programming', null],
  ['Youth Rec Team Dues', 'team', 'recreation'],
  ['Youth Development Team Dues', 'team', 'development'],
  ['Youth Comp Team Dues', 'team', 'competitive'],
  ['Team Dues', 'team', null],
  ['Youth Rec Team Practice Jersey', 'team', 'recreation'],
  ['Youth Development Team Registration', 'team', 'development'],
  ['Youth Comp Team Travel Fee', 'team', 'competitive'],
  ['5 Climb Pass 60 Days', 'day_pass', 'punch pass'],
  ['Competition Quality Climbing Shoes', 'retail', null],
  ['Chalk Bag', 'retail', null],
  ['Shoe Rental', 'retail', null],
  ['Rentals — Harness Rental', 'retail', null],
  // The first version's mis-matches, each fixed by literal or whole-word matching.
  ['Company Holiday Gift Card', 'retail', null],
  ['Complimentary Chalk', 'retail', null],
  ['Campus Board Rental Fee', 'event_booking', null],
  ['Classic Tee', 'retail', null],
];

describe('revenue categorisation rules (queries/seeds, queries/staging/int_transaction_categories.sql)', () => {
  const tempDir = useTempDirs();
  let db: Database;
  let results: Map<
    string,
    { category: string; sub_category: string | null; category_keyword: string | null }
  >;

  beforeAll(async () => {
    db = await Database.open(new Lake({ kind: 'local', dir: await tempDir() }), {
      timeZone: 'America/Chicago',
    });
    await db.run('create table int_transaction_descriptions (description varchar)');
    await db.appendRows(
      'int_transaction_descriptions',
      cases.map(([d]) => [d]),
    );
    const rows = await (await openRunner(db)).rows('core/int_transaction_categories');
    results = new Map(rows.map((r) => [String(r.description), r as never]));
  });
  afterAll(() => db.close());

  it.each(cases)('%s → %s / %s', (description, category, subCategory) => {
    const result = results.get(description);
    expect(result?.category).toBe(category);
    expect(result?.sub_category ?? null).toBe(subCategory);
  });

  it('exercises every category rule with a real description', async () => {
    const rules = await db.query('select keyword from seed_category_rules');
    const fired = new Set([...results.values()].map((r) => r.category_keyword?.toLowerCase()));
    const unused = rules.map((r) => String(r.keyword).toLowerCase()).filter((k) => !fired.has(k));
    expect(unused).toEqual([]);
  });

  it('keeps the rules as data with unique priorities', async () => {
    const csv = await readFile(path.join(queriesDir, 'seeds/category_rules.csv'), 'utf8');
    const priorities = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]);
    expect(new Set(priorities).size).toBe(priorities.length);
  });
});
