import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Lake } from '../lake/lake.ts';
import { openRunner } from '../pipeline/model-graph.ts';
import { stage } from '../pipeline/stage.ts';
import type { RulesConfig } from '../rules/config.ts';
import { evaluateRules, HITS_TABLE, type RuleCount } from '../rules/evaluate.ts';
import { type GymSize, generateGym, householdCount } from '../sandbox/generate.ts';
import { DEMO_HOUSEHOLDS } from '../sandbox/generator/context.ts';
import { writeScaleLake } from '../sandbox/scale-writer.ts';
import { Database } from '../sql/database.ts';
import { buildTimeline, type TimelineResult } from '../timeline/build-timeline.ts';

export interface Score {
  flagged: number;
  truth: number;
  truePositives: number;
  precision: number;
  recall: number;
}

export interface SandboxEvaluation {
  households: number;
  asOf: string;
  timeline: TimelineResult & {
    /** Events carrying at least one key (an id, an email, a name): the ones attachment can work on. */
    identifiable: number;
    attachedOfIdentifiable: number;
    /** Attached events whose source record belongs, in the generator's truth, to the customer's person. */
    agreement: { confidence: string; events: number; agree: number }[];
  };
  rulesAtAsOf: RuleCount[];
  /** LapsedMemberRule at the gym's as-of date against `truth.people[].lapsed_on`. */
  lapsed: Score & { sameDate: number };
  /**
   * ChurnRiskRule evaluated weekly over the last year: a flag is right when the person's membership
   * ends by churn (`churned_on`) within `horizonDays` after it; a churner is caught when flagged at
   * least once in the `horizonDays` before their churn.
   */
  churn: Score & {
    evaluations: number;
    horizonDays: number;
    flaggedPeople: number;
    /** The share of all eligible members' weekly evaluations followed by a churn: the rate to beat. */
    baseRate: number;
  };
  seconds: Record<string, number>;
}

const CHURN_HORIZON_DAYS = 90;
const BACKTEST_WEEKS = 52;

/**
 * Measures the timeline and the rules on the sandbox gym against the generator's truth: writes the
 * gym's raw lake (as a fetch at its as-of date would), stages it, resolves identities, builds the
 * timeline, then scores attachment, LapsedMemberRule and ChurnRiskRule.
 */
export async function evaluateOnSandbox(options: {
  size: GymSize;
  config: RulesConfig;
  timeZone?: string;
  keepDir?: string;
  log?: (line: string) => void;
}): Promise<SandboxEvaluation> {
  const log = options.log ?? (() => {});
  const timeZone = options.timeZone ?? 'America/Chicago';
  const seconds: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    log(`▸ ${step}`);
    const result = await work();
    seconds[step] = Math.round((performance.now() - started) / 100) / 10;
    return result;
  };
  const dir = options.keepDir ?? (await mkdtemp(path.join(os.tmpdir(), 'basin-rules-eval-')));
  const households = householdCount(options.size);
  const gym = await timed('generate truth', async () => generateGym({ size: options.size, timeZone }));
  const asOf = localDate(gym.asOf, timeZone);
  await timed('write raw lake', () =>
    writeScaleLake({ scale: households / DEMO_HOUSEHOLDS, dir, timeZone, workers: 0 }),
  );
  const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone });
  try {
    await timed('stage', () => stage(db, { time_zone: timeZone }));
    await timed('resolve identities', async () => {
      const runner = await openRunner(db, { asOf: gym.asOf, now: gym.asOf });
      return runner.build(runner.graph.select((m) => m.id === 'resolve'));
    });
    const timeline = await timed('build timeline', () => buildTimeline(db, { timeZone }));

    await db.run('create or replace temp table truth_records (record_id varchar, person_id varchar)');
    await db.appendRows(
      'truth_records',
      gym.truth.records.map((r) => [r.record_id, r.person_id]),
    );
    await db.run(
      'create or replace temp table truth_people (person_id varchar, lapsed_on date, churned_on date)',
    );
    await db.appendRows(
      'truth_people',
      gym.truth.people.map((p) => [p.person_id, p.lapsed_on, p.churned_on]),
    );
    // The person behind each customer: the one most of its records belong to.
    await db.run(
      `create or replace temp table customer_people as
       select r.customer_id, mode(t.person_id order by t.person_id) as person_id
       from resolved_records as r join truth_records as t using (record_id)
       group by r.customer_id`,
    );

    const attachment = await timed('score attachment', () => scoreAttachment(db));
    const rulesAtAsOf = await timed('rules at as-of', () =>
      evaluateRules(db, { asOf, config: options.config }),
    );
    const lapsed = await timed('score lapsed', () => scoreLapsed(db));
    const churn = await timed('backtest churn', () => backtestChurn(db, asOf, options.config));
    return {
      households,
      asOf,
      timeline: { ...timeline, ...attachment },
      rulesAtAsOf,
      lapsed,
      churn,
      seconds,
    };
  } finally {
    db.close();
    if (!options.keepDir) await rm(dir, { recursive: true, force: true });
  }
}

async function scoreAttachment(db: Database) {
  const [keys] = await db.query(
    `select count(*)::bigint as identifiable,
            count(*) filter (where e.customer_id is not null)::bigint as attached
     from customer_events as e
     join int_event_sources as s using (event_source, source_record_id, event_type)
     where coalesce(s.capitan_customer_id, s.membership_id, s.stripe_customer_id, s.square_customer_id,
                    s.stripe_charge_id, s.mailchimp_member_id, s.email, s.person_name) is not null`,
  );
  // A payment routed through its membership belongs to the membership's owner, not the card's holder.
  const agreement = await db.query(
    `with keyed as (
       select e.customer_id, e.source_confidence,
              case when e.match_step = 'membership_owner' then 'capitan:customer:' || o.owner_id
                   else coalesce('capitan:customer:' || s.capitan_customer_id, 'square:customer:' || s.square_customer_id,
                                 'stripe:customer:' || s.stripe_customer_id, 'stripe:charge:' || s.stripe_charge_id,
                                 'mailchimp:member:' || s.mailchimp_member_id)
              end as truth_record
       from customer_events as e
       join int_event_sources as s using (event_source, source_record_id, event_type)
       left join stg_capitan__memberships as o on o.membership_id = s.membership_id
       where e.customer_id is not null
     )
     select k.source_confidence as confidence, count(*)::bigint as events,
            count(*) filter (where t.person_id = p.person_id)::bigint as agree
     from keyed as k
     join truth_records as t on t.record_id = k.truth_record
     join customer_people as p using (customer_id)
     group by all order by 1`,
  );
  return {
    identifiable: Number(keys?.identifiable),
    attachedOfIdentifiable: Number(keys?.attached),
    agreement: agreement.map((a) => ({
      confidence: String(a.confidence),
      events: Number(a.events),
      agree: Number(a.agree),
    })),
  };
}

async function scoreLapsed(db: Database): Promise<SandboxEvaluation['lapsed']> {
  const [row] = await db.query(
    `with flagged as (
       select distinct p.person_id, h.flag_date
       from ${HITS_TABLE} as h join customer_people as p using (customer_id)
       where h.flag_type = 'lapsed_member'
     ),
     truth as (select person_id, lapsed_on from truth_people where lapsed_on is not null)
     select
       (select count(distinct person_id) from flagged)::bigint as flagged,
       (select count(*) from truth)::bigint as truth,
       (select count(distinct person_id) from flagged semi join truth using (person_id))::bigint as true_positives,
       (select count(*) from flagged join truth using (person_id) where flag_date = lapsed_on)::bigint as same_date`,
  );
  return { ...score(row!), sameDate: Number(row?.same_date) };
}

async function backtestChurn(
  db: Database,
  asOf: string,
  config: RulesConfig,
): Promise<SandboxEvaluation['churn']> {
  const churnOnly = { rules: config.rules.filter((s) => s.rule.name === 'churn_risk') };
  const everyone = {
    rules: churnOnly.rules.map((s) => ({
      ...s,
      parameters: { ...s.parameters, min_baseline_visits: 1, max_ratio: 1 },
    })),
  };
  await db.run(
    'create or replace temp table churn_flags (as_of date, customer_id varchar, eligible_only boolean)',
  );
  const start = addDays(asOf, -7 * BACKTEST_WEEKS);
  for (let week = 0; week <= BACKTEST_WEEKS; week++) {
    const day = addDays(start, 7 * week);
    for (const [settings, eligibleOnly] of [
      [churnOnly, false],
      [everyone, true],
    ] as const) {
      await evaluateRules(db, { asOf: day, config: settings });
      await db.run(`insert into churn_flags select $day::date, customer_id, $eligible from ${HITS_TABLE}`, {
        day,
        eligible: eligibleOnly,
      });
    }
  }
  const [row] = await db.query(
    `with flags as (
       select f.as_of, f.eligible_only, p.person_id, t.churned_on,
              t.churned_on > f.as_of and t.churned_on <= f.as_of + $horizon::integer as followed_by_churn
       from churn_flags as f
       join customer_people as p using (customer_id)
       left join truth_people as t using (person_id)
     ),
     churners as (
       select person_id, churned_on from truth_people
       where churned_on > $start::date + $horizon::integer and churned_on <= $as_of::date
     ),
     caught as (
       select c.person_id from churners as c
       where exists (
         select 1 from flags as f
         where not f.eligible_only and f.person_id = c.person_id
           and f.as_of < c.churned_on and f.as_of >= c.churned_on - $horizon::integer)
     )
     select
       count(*) filter (where not eligible_only)::bigint as flagged,
       count(*) filter (where not eligible_only and followed_by_churn)::bigint as true_positives,
       count(distinct person_id) filter (where not eligible_only)::bigint as flagged_people,
       (count(*) filter (where eligible_only and followed_by_churn) / count(*) filter (where eligible_only))::double
         as base_rate,
       (select count(*) from churners)::bigint as truth,
       (select count(*) from caught)::bigint as caught
     from flags`,
    { horizon: CHURN_HORIZON_DAYS, start, as_of: asOf },
  );
  const flagged = Number(row?.flagged);
  const truth = Number(row?.truth);
  return {
    flagged,
    truth,
    truePositives: Number(row?.true_positives),
    precision: ratio(Number(row?.true_positives), flagged),
    recall: ratio(Number(row?.caught), truth),
    evaluations: BACKTEST_WEEKS + 1,
    horizonDays: CHURN_HORIZON_DAYS,
    flaggedPeople: Number(row?.flagged_people),
    baseRate: Number(row?.base_rate),
  };
}

function score(row: Record<string, unknown>): Score {
  const flagged = Number(row.flagged);
  const truth = Number(row.truth);
  const truePositives = Number(row.true_positives);
  return {
    flagged,
    truth,
    truePositives,
    precision: ratio(truePositives, flagged),
    recall: ratio(truePositives, truth),
  };
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' }).format(instant);
}
