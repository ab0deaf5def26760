import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { compareLakes, isEquivalent, prepareRebuild } from '../../src/pipeline/equivalence.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { Database, PARQUET_WRITE_OPTIONS, sqlString } from '../../src/sql/database.ts';
import { freePortRange, startDaily, tinySandboxArgs } from '../support/daily-process.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const timeZone = 'America/Chicago';
const DAY_MS = 86_400_000;
const gymAsOf = generateGym({ size: 'tiny' }).asOf;
const isoDate = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Appends one raw part, as a fetch would: the select's `record_id` and `payload`, fetched at `at`.
 * Raw is the only input a run has, so a change written here is a change of the sources.
 */
async function appendRaw(db: Database, key: string, part: string, select: string, at: Date): Promise<void> {
  await db.lake.appendPart(key, part, (tmp) =>
    db.run(
      `copy (
         select record_id, payload::json as payload, md5(payload::varchar) as payload_hash,
                $at::timestamptz as fetched_at, $run_id as run_id
         from (${select})
       ) to ${sqlString(tmp)} ${PARQUET_WRITE_OPTIONS}`,
      { at: at.toISOString(), run_id: part },
    ),
  );
}

describe('incremental daily runs against a full rebuild (the tiny sandbox gym)', () => {
  const tempDir = useTempDirs();

  it('leaves every table as a rebuild with the same fitted models would, over days with a merge of two customers and a late refund', async () => {
    const cwd = await tempDir();
    const lake = path.join(cwd, 'incremental');
    const port = await freePortRange();
    const run = async (dir: string, ...args: string[]) => {
      const done = await startDaily([...tinySandboxArgs(port, dir), ...args], { cwd }).done;
      expect(done.code, done.stdout + done.stderr).toBe(0);
      return done.stdout;
    };
    // A backfill four days before the gym's clock, then a run a day up to it.
    const first = new Date(gymAsOf.getTime() - 4 * DAY_MS);
    await run(lake, '--as-of', isoDate(first));
    for (let day = 1; day <= 4; day++) {
      await run(lake, '--as-of', isoDate(new Date(first.getTime() + day * DAY_MS)));
    }

    // After the last fetch (Capitan's customers are fetched whole: a fetch would restore them), two
    // changes of the sources: customer B's Capitan record now carries customer A's name, email,
    // phone and birthday (one person found twice: a merge of two existing customers), and a refund of
    // a payment made before the backfill.
    const opened = new Lake({ kind: 'local', dir: lake });
    const db = await Database.open(opened, { timeZone });
    const later = new Date(gymAsOf.getTime() + DAY_MS);
    let pair: { a: string; b: string } | undefined;
    let refunded: string;
    try {
      [pair] = (await db.query(
        `with people as (
           select c.customer_id as source_id, r.customer_id, c.email
           from stg_capitan__customers as c
           join resolved_records as r on r.record_id = 'capitan:customer:' || c.customer_id
           where c.email is not null and c.phone is not null
             and c.customer_id in (select customer_id from stg_capitan__checkins)
         )
         select a.source_id as a, b.source_id as b
         from people as a join people as b on a.customer_id < b.customer_id and a.email <> b.email
         order by a.source_id, b.source_id
         limit 1`,
      )) as { a: string; b: string }[];
      expect(pair).toBeDefined();
      const chosen = pair!;
      await appendRaw(
        db,
        'raw/capitan/customers',
        'test-merge',
        `select b.record_id, json_merge_patch(b.payload, json_object(
           'first_name', a.payload->>'first_name', 'last_name', a.payload->>'last_name',
           'email', a.payload->>'email', 'telephone', a.payload->>'telephone',
           'birthday', a.payload->>'birthday'))::varchar as payload
         from (select * from raw_capitan__customers where record_id = $b
               qualify row_number() over (order by fetched_at desc, run_id desc) = 1) as b,
              (select * from raw_capitan__customers where record_id = $a
               qualify row_number() over (order by fetched_at desc, run_id desc) = 1) as a`.replace(
          /\$(a|b)\b/g,
          (_, which: 'a' | 'b') => sqlString(chosen[which]),
        ),
        later,
      );
      const [payment] = await db.query(
        `select payment_intent_id, latest_charge_id, amount_cents
         from stg_stripe__payment_intents
         where status = 'succeeded' and livemode and latest_charge_id is not null and created_at < $before
           and latest_charge_id not in (select charge_id from stg_stripe__refunds where charge_id is not null)
         order by payment_intent_id
         limit 1`,
        { before: first.toISOString() },
      );
      expect(payment).toBeDefined();
      refunded = String(payment!.payment_intent_id);
      await appendRaw(
        db,
        'raw/stripe/refunds',
        'test-late-refund',
        `select 're_test_late' as record_id, json_object(
           'id', 're_test_late', 'charge', ${sqlString(String(payment!.latest_charge_id))},
           'payment_intent', ${sqlString(refunded)}, 'amount', ${Number(payment!.amount_cents)}::varchar,
           'currency', 'usd', 'status', 'succeeded', 'reason', 'requested_by_customer',
           'created', ${Math.floor(later.getTime() / 1000)}::varchar)::varchar as payload`,
        later,
      );
    } finally {
      db.close();
      opened.close();
    }

    // The fifth day: the changes above, without fetching (which would restore B's record).
    await run(lake, '--no-fetch', '--as-of', isoDate(later));

    const full = path.join(cwd, 'full');
    await prepareRebuild(lake, full, timeZone);
    await run(full, '--no-fetch', '--as-of', isoDate(later));

    const incremental = await Database.open(new Lake({ kind: 'local', dir: lake }), { timeZone });
    try {
      // The merge and the refund took effect.
      const [merged] = await incremental.query(
        `select count(distinct customer_id)::int as customers from resolved_records
         where record_id in ('capitan:customer:' || $a, 'capitan:customer:' || $b)`,
        { a: pair!.a, b: pair!.b },
      );
      expect(merged?.customers).toBe(1);
      const [refund] = await incremental.query(
        `select count(*)::int as n from customer_events
         where event_type = 'refund' and source_record_id = 'refund_re_test_late'
           and (event_details->>'refund_of_transaction_id') = $pi`,
        { pi: refunded! },
      );
      expect(refund?.n).toBe(1);

      const same = await compareLakes(incremental, new Lake({ kind: 'local', dir: full }));
      expect({ ...same, tables: [] }).toMatchObject({
        missing: [],
        independentDiffering: [],
        keyedDiffering: [],
      });
      expect(isEquivalent(same)).toBe(true);
    } finally {
      incremental.close();
    }
  }, 900_000);
});
