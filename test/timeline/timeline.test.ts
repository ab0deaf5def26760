import { createHash } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInputTable } from '../../src/identity/input.ts';
import { resolveIdentities } from '../../src/identity/resolve.ts';
import { lakeStore } from '../../src/identity/store.ts';
import { Lake } from '../../src/lake/lake.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { stage } from '../../src/pipeline/stage.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { writeScaleLake } from '../../src/sandbox/scale-writer.ts';
import { Database, type Row } from '../../src/sql/database.ts';
import { buildTimeline, createCoreViews, type TimelineResult } from '../../src/timeline/build-timeline.ts';

const SCALE = 0.02;
const TIME_ZONE = 'America/Chicago';
// The lake lives for the whole file (useTempDirs empties folders after each test).
const made: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'basin-timeline-'));
  made.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openLake(dir: string): Promise<Database> {
  return Database.open(new Lake({ kind: 'local', dir }), { timeZone: TIME_ZONE });
}

async function fingerprint(db: Database, sql: string): Promise<string> {
  const rows = await db.query(sql);
  return createHash('sha256')
    .update(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
    .digest('hex');
}

const eventsInOrder =
  'select * exclude (event_details), event_details::varchar as d from customer_events order by event_id';

describe('the customer timeline of a small sandbox gym', () => {
  let lakeDir: string;
  let gym: SandboxDataset;
  let db: Database;
  let timeline: TimelineResult;

  beforeAll(async () => {
    lakeDir = path.join(await tempDir(), 'lake');
    await writeScaleLake({ scale: SCALE, dir: lakeDir, workers: 0 });
    gym = generateGym({ size: SCALE });
    db = await openLake(lakeDir);
    await stage(db, { time_zone: TIME_ZONE });
    await createInputTable(db, 'select * from stg_identity_records');
    await resolveIdentities(db, lakeStore(db), { asOf: gym.asOf, now: gym.asOf });
    timeline = await buildTimeline(db, { timeZone: TIME_ZONE });
  }, 180_000);
  afterAll(() => db?.close());

  const count = async (where: string) =>
    Number((await db.query(`select count(*)::bigint as n from customer_events where ${where}`))[0]?.n);

  it('turns every source row into an event: check-ins, memberships, emails, failed payments', async () => {
    const clock = gym.asOf;
    const memberships = gym.capitan.memberships(clock);
    const members = (status?: string) =>
      memberships
        .filter((m) => !status || m.status === status)
        .reduce((n, m) => n + m.all_customers.length, 0);
    const activity = gym.mailchimp.campaigns(clock).flatMap((c) => gym.mailchimp.emailActivity(c.id, clock));
    const did = (action: string) =>
      activity.filter((a) => a.activity.some((x) => x.action === action)).length;
    const expected = {
      checkin: gym.capitan.checkins(clock).length,
      membership_started: members(),
      membership_cancelled: members('END'),
      membership_frozen: members('FRZ'),
      email_sent: activity.length,
      email_opened: did('open'),
      email_clicked: did('click'),
      payment_failed: gym.stripe.paymentIntents(clock).filter((p) => p.livemode && p.status !== 'succeeded')
        .length,
    };
    for (const [type, n] of Object.entries(expected))
      expect(await count(`event_type = '${type}'`), type).toBe(n);
    expect(expected.checkin).toBeGreaterThan(0);
    expect(expected.email_opened).toBeGreaterThan(0);

    const [sales] = await db.query('select count(*)::bigint as n from transactions');
    const purchases = await count(
      "event_type in ('day_pass_purchase', 'membership_purchase', 'membership_renewal', 'retail_purchase', 'programming_purchase', 'event_booking', 'refund', 'other_purchase')",
    );
    expect(purchases).toBe(Number(sales?.n));
    expect(timeline.rejected).toBe(0);
    expect(timeline.events).toBe(await count('true'));
  });

  it('keeps events it cannot attach, with no customer, and leaves none unattached that a key could attach', async () => {
    // Front-desk sales with no customer, email or name at all: kept, unmatched.
    const [anonymous] = await db.query(
      `select count(*)::bigint as n, count(e.event_id) filter (where e.source_confidence = 'unmatched')::bigint as kept
       from transactions as t
       left join customer_events as e on e.source_record_id = t.transaction_id
       where t.stripe_customer_id is null and t.square_customer_id is null and t.email is null
         and t.billing_name is null and t.membership_id is null and t.stripe_charge_id is null`,
    );
    expect(Number(anonymous?.n)).toBeGreaterThan(0);
    expect(anonymous?.kept).toBe(anonymous?.n);
    expect(await count("customer_id is null and source_confidence <> 'unmatched'")).toBe(0);
    expect(await count("customer_id is not null and source_confidence = 'unmatched'")).toBe(0);
    expect(timeline.attached).toBe(await count('customer_id is not null'));
    // An unmatched event carries only keys no customer holds (e.g. a Square buyer's email nobody else has).
    const [resolvable] = await db.query(
      `select count(*)::bigint as n
       from customer_events as e
       join int_event_sources as s using (event_source, source_record_id, event_type)
       where e.customer_id is null and (
         exists (select 1 from int_record_confidence as r where r.record_id in (
           'capitan:customer:' || s.capitan_customer_id, 'stripe:customer:' || s.stripe_customer_id,
           'square:customer:' || s.square_customer_id, 'stripe:charge:' || s.stripe_charge_id,
           'mailchimp:member:' || s.mailchimp_member_id))
         or exists (select 1 from int_email_owners as o where o.email = lower(trim(s.email)))
         or exists (select 1 from stg_capitan__memberships as m where m.membership_id = s.membership_id))`,
    );
    expect(Number(resolvable?.n)).toBe(0);
  });

  it('attaches events to the person the source record belongs to', async () => {
    await db.run('create or replace temp table truth_records (record_id varchar, person_id varchar)');
    await db.appendRows(
      'truth_records',
      gym.truth.records.map((r) => [r.record_id, r.person_id]),
    );
    // The person behind each customer: the one most of its records belong to.
    const rows = await db.query(
      `with people as (
         select r.customer_id, mode(t.person_id order by t.person_id) as person_id
         from resolved_records as r join truth_records as t using (record_id) group by all
       ),
       owners as (select membership_id, owner_id from stg_capitan__memberships),
       keyed as (
         select s.event_source, s.source_record_id, s.event_type,
                case when e.match_step = 'membership_owner' then 'capitan:customer:' || o.owner_id
                     else coalesce('capitan:customer:' || s.capitan_customer_id, 'square:customer:' || s.square_customer_id,
                                   'stripe:customer:' || s.stripe_customer_id, 'stripe:charge:' || s.stripe_charge_id,
                                 'mailchimp:member:' || s.mailchimp_member_id)
                end as truth_record,
                e.customer_id, e.source_confidence
         from customer_events as e
         join int_event_sources as s using (event_source, source_record_id, event_type)
         left join owners as o on o.membership_id = s.membership_id
         where e.customer_id is not null and e.match_step not in ('email', 'name')
       )
       select k.source_confidence, count(*)::bigint as n, count(*) filter (where t.person_id = p.person_id)::bigint as agree
       from keyed as k
       join truth_records as t on t.record_id = k.truth_record
       join people as p on p.customer_id = k.customer_id
       group by all`,
    );
    const exact = rows.find((r) => r.source_confidence === 'exact')!;
    expect(Number(exact.n)).toBeGreaterThan(1000);
    expect(Number(exact.agree) / Number(exact.n)).toBeGreaterThanOrEqual(0.99);
  });

  it('gives each event a real timestamp and the gym-local date it happened on', async () => {
    const rows = await db.query(
      'select event_date, event_local_date::varchar as local_date from customer_events using sample 500 rows',
    );
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, dateStyle: 'short' });
    for (const row of rows) expect(row.local_date).toBe(local.format(row.event_date as Date));
    // An evening payment, after midnight UTC, stays on its local day.
    const [evening] = await db.query(
      `select event_date, event_local_date::varchar as local_date from customer_events
       where hour(timezone('UTC', event_date)) < 5 and event_type like '%purchase' limit 1`,
    );
    expect(evening).toBeDefined();
    expect(evening!.local_date).toBe(
      new Date((evening!.event_date as Date).getTime() - 86_400_000).toISOString().slice(0, 10),
    );
  });

  it('gives every event a unique id, and the same ids and rows after a rebuild', async () => {
    expect(await count('true')).toBe(
      Number((await db.query('select count(distinct event_id)::bigint as n from customer_events'))[0]?.n),
    );
    const before = await fingerprint(db, eventsInOrder);
    await buildTimeline(db, { timeZone: TIME_ZONE });
    expect(await fingerprint(db, eventsInOrder)).toBe(before);
  });

  describe('the attachment chain, on rows added to a copy of the lake', () => {
    let copy: Database;
    let customers: Row[];
    let membership: Row;

    beforeAll(async () => {
      const copyDir = path.join(await tempDir(), 'lake');
      await cp(lakeDir, copyDir, { recursive: true });
      copy = await openLake(copyDir);
      await createCoreViews(copy);
      customers = await copy.query(
        `select m.customer_id, m.first_name, m.last_name, r.record_id
         from customer_master as m
         join int_name_owners as n on n.customer_id = m.customer_id
         join resolved_records as r on r.customer_id = m.customer_id and r.record_id like 'capitan:customer:%'
         where not coalesce(m.is_minor, false)
         qualify row_number() over (partition by m.customer_id order by r.record_id) = 1
         order by m.customer_id limit 4`,
      );
      const owners = await copy.query(
        `select s.membership_id, r.customer_id as owner_customer
         from stg_capitan__memberships as s join resolved_records as r on r.record_id = 'capitan:customer:' || s.owner_id
         order by s.membership_id limit 1`,
      );
      membership = owners[0]!;
      const [a, b, named, twin] = customers as [Row, Row, Row, Row];
      // Two customers share one address; a fifth customer has the same name as `twin`.
      await copy.writeSelect(
        'core/customer_identifiers',
        `select * from customer_identifiers
         union all by name
         select $a as customer_id, 'email' as identifier_type, 'Family@Example.org' as identifier_value,
                'family@example.org' as normalized_value, true as is_shared, 'capitan' as source,
                $a_record as source_record_id, 'test' as match_rule
         union all by name
         select $b as customer_id, 'email' as identifier_type, 'family@example.org' as identifier_value,
                'family@example.org' as normalized_value, true as is_shared, 'capitan' as source,
                $b_record as source_record_id, 'test' as match_rule`,
        {
          a: String(a.customer_id),
          a_record: String(a.record_id),
          b: String(b.customer_id),
          b_record: String(b.record_id),
        },
      );
      await copy.writeSelect(
        'core/customer_master',
        `select * from customer_master
         union all by name
         select 'twin-of-' || customer_id as customer_id, first_name, last_name from customer_master where customer_id = $twin`,
        { twin: String(twin.customer_id) },
      );
      const sale = (id: string, columns: string) =>
        `select 'test-${id}' as transaction_id, 'stripe' as source, 'day_pass' as category, false as is_refund,
                timestamptz '2026-10-01 15:00:00+00' as occurred_at, ${columns}`;
      await copy.writeSelect(
        'core/transactions',
        `select * from transactions
         union all by name ${sale('shared-email', "' FAMILY@example.org ' as email")}
         union all by name ${sale('name', '$named_name as billing_name')}
         union all by name ${sale('twin-name', '$twin_name as billing_name')}
         union all by name ${sale('membership', "$membership_id as membership_id, 'family@example.org' as email")}
         union all by name select 'test-no-date' as transaction_id, 'stripe' as source, 'retail' as category,
                false as is_refund, null::timestamptz as occurred_at, 'family@example.org' as email`,
        {
          named_name: ` ${String(named.first_name).toUpperCase()}   ${String(named.last_name)}. `,
          twin_name: `${twin.first_name} ${twin.last_name}`,
          membership_id: String(membership.membership_id),
        },
      );
      await copy.writeSelect(
        'staging/stg_capitan__checkins',
        `select * from stg_capitan__checkins
         union all by name
         select 'test-bad-date' as checkin_id, customer_id, null::timestamptz as checked_in_at,
                '31/12/2026 7pm' as checked_in_at_raw
         from (select customer_id from stg_capitan__checkins limit 1)`,
      );
      // The core models downstream of the rows added (not transactions itself, which would drop them).
      const runner = await openRunner(copy);
      await runner.build(
        runner.graph
          .downstreamOf(['transactions', 'customer_identifiers', 'customer_master', 'stg_capitan__checkins'])
          .filter((m) => m.kind === 'sql' && m.layer === 'core'),
      );
    }, 120_000);
    afterAll(() => copy?.close());

    const event = async (id: string) =>
      (
        await copy.query(
          `select customer_id, source_confidence, match_step from customer_events where source_record_id = $id`,
          { id },
        )
      )[0];

    it('matches a shared address to one of its holders at no more than medium', async () => {
      const [a, b] = customers;
      const row = await event('test-shared-email');
      expect([a!.customer_id, b!.customer_id]).toContain(row?.customer_id);
      expect(row).toMatchObject({ source_confidence: 'medium', match_step: 'email' });
    });

    it('matches a name alone at low, however it is cased or punctuated, and never a name two customers share', async () => {
      expect(await event('test-name')).toEqual({
        customer_id: customers[2]!.customer_id,
        source_confidence: 'low',
        match_step: 'name',
      });
      expect(await event('test-twin-name')).toEqual({
        customer_id: null,
        source_confidence: 'unmatched',
        match_step: null,
      });
    });

    it('tries the membership a payment names before its email', async () => {
      expect(await event('test-membership')).toMatchObject({
        customer_id: membership.owner_customer,
        match_step: 'membership_owner',
      });
    });

    it('rejects rows without a usable date, with the reason, instead of dating them null', async () => {
      expect(await event('test-no-date')).toBeUndefined();
      expect(await event('test-bad-date')).toBeUndefined();
      const rejected = await copy.query(
        'select source_record_id, event_type, reason from rejected_events order by source_record_id',
      );
      expect(rejected).toEqual([
        {
          source_record_id: 'test-bad-date',
          event_type: 'checkin',
          reason: 'check_in_datetime does not parse: 31/12/2026 7pm',
        },
        { source_record_id: 'test-no-date', event_type: 'retail_purchase', reason: 'occurred_at is missing' },
      ]);
    });
  });
});
