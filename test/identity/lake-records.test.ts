import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxIdentityRecords } from '../../src/evaluate/sandbox-records.ts';
import { evaluateClusters } from '../../src/identity/evaluate.ts';
import { createInputTable } from '../../src/identity/input.ts';
import { resolveIdentities } from '../../src/identity/resolve.ts';
import { lakeStore } from '../../src/identity/store.ts';
import { Lake } from '../../src/lake/lake.ts';
import { stage } from '../../src/pipeline/stage.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { writeScaleLake } from '../../src/sandbox/scale-writer.ts';
import { Database } from '../../src/sql/database.ts';

const SCALE = 0.1;
const TIME_ZONE = 'America/Chicago';

/**
 * The identity records the daily run stages from the raw lake carry everything the resolver reads
 * from the sources: Capitan's household keys, preferred names and when each record was first seen.
 * The sandbox's own identity records (sandboxIdentityRecords, which the quality test scores) are
 * the yardstick.
 */
describe('identity records staged from the raw lake', () => {
  let dir: string;
  let gym: SandboxDataset;
  let db: Database;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'basin-lake-records-'));
    await writeScaleLake({ scale: SCALE, dir, workers: 0 });
    gym = generateGym({ size: SCALE });
    db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone: TIME_ZONE });
    await stage(db, { time_zone: TIME_ZONE });
    await createInputTable(db, 'select * from stg_identity_records');
    await resolveIdentities(db, lakeStore(db), { asOf: gym.asOf, now: gym.asOf });
  }, 180_000);
  afterAll(async () => {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('give each Capitan customer the household keys of its relations and shared memberships', async () => {
    const expected = sandboxIdentityRecords(gym)
      .records.filter((r) => r.household_hint)
      .map((r) => ({ record_id: r.record_id, hints: r.household_hint!.split('|').sort() }))
      .sort((a, b) => a.record_id.localeCompare(b.record_id));
    const staged = await db.query(
      `select record_id, household_hint from stg_identity_records
       where household_hint is not null order by record_id`,
    );
    const asStaged = staged.map((r) => ({
      record_id: String(r.record_id),
      hints: String(r.household_hint).split('|').map(numericSiblings).sort(),
    }));
    expect(expected.length).toBeGreaterThan(50);
    expect(asStaged).toEqual(expected);
  });

  it('put children without contact details in their parents’ household', async () => {
    const [row] = await db.query(
      `select count(*)::int as children,
              count(*) filter (where child.household_id = parent.household_id)::int as with_parent
       from stg_capitan__relations as rel
       join resolved_records as rc on rc.record_id = 'capitan:customer:' || rel.child_customer_id
       join resolved_records as rp on rp.record_id = 'capitan:customer:' || rel.parent_customer_id
       join customer_master as child on child.customer_id = rc.customer_id
       join customer_master as parent on parent.customer_id = rp.customer_id
       join stg_capitan__customers as c on c.customer_id = rel.child_customer_id
       where c.email is null and c.phone is null`,
    );
    expect(row?.children).toBeGreaterThan(10);
    expect(row?.with_parent).toBe(row?.children);
  });

  it('date every customer’s first and last sighting', async () => {
    const [row] = await db.query(
      `select count(*)::int as customers, count(first_seen)::int as first_seen,
              count(*) filter (where last_seen >= first_seen)::int as ordered
       from customer_master`,
    );
    expect(row?.first_seen).toBe(row?.customers);
    expect(row?.ordered).toBe(row?.customers);
  });

  it('resolve as well as the sandbox’s own records do: precision ≥ 0.995, recall ≥ 0.98', async () => {
    await db.run('create or replace table truth_records (record_id varchar, person_id varchar)');
    await db.appendRows(
      'truth_records',
      gym.truth.records.map((r) => [r.record_id, r.person_id]),
    );
    const quality = await evaluateClusters(
      db,
      `(select r.record_id, r.customer_id, t.person_id as truth_label
        from resolved_records as r join truth_records as t using (record_id))`,
    );
    expect(quality.records).toBeGreaterThan(3_000);
    expect(quality.precision).toBeGreaterThanOrEqual(0.995);
    expect(quality.recall).toBeGreaterThanOrEqual(0.98);
  });
});

/** The sandbox orders sibling ids as numbers; Capitan ids are digits, so the keys name the same pair. */
function numericSiblings(hint: string): string {
  const pair = /^siblings:(\d+)-(\d+)$/.exec(hint);
  if (!pair) return hint;
  const [a, b] = [Number(pair[1]), Number(pair[2])].sort((x, y) => x - y);
  return `siblings:${a}-${b}`;
}
