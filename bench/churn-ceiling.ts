/**
 * How much of the sandbox's churn the lake can show at all. Guards against: reading the churn
 * model's missed targets (ROC AUC 0.80, top-decile lift 3×) as a weak model when the ceiling is the
 * generator's unobservable noise.
 *
 *   npx tsx bench/churn-ceiling.ts --lake DIR
 *
 * DIR is a demo gym's lake a daily run wrote. On the backtest's own split (`backtestSplit`), it
 * scores every test member-month with the generator's stated churn mechanism itself (README, "The
 * sandbox gym's churn drivers"), the score that knows how churn is made rather than learning it:
 *  - a prior: the 90-day end rate of the member's plan (frequency, fixed term, annual renewal due
 *    within 90 days, a declined payment not paid since), counted on the training member-months;
 *  - times the likelihood ratio of the member's last 90 days of visits under the stated fade (68% of
 *    recurring ends fade linearly to zero over their last 35–80 days, uniformly drawn; the end is
 *    uniform over the 90 days) against no fade, at the member's usual rate, as a Poisson process.
 * It reports that score's ROC AUC and lift, the prior's alone, and the learned model's with and
 * without the mechanism's log-odds as one more feature: if the features missed a visit signal the
 * generator planted, that feature would add to the model. Results: bench/results/churn-ceiling.json.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backtestSplit, LAMBDA } from '../src/churn/backtest.ts';
import { FEATURES, type MemberMonth, unpaidDecline, usualDailyVisits } from '../src/churn/features.ts';
import { fitLogistic, probability } from '../src/churn/logistic.ts';
import { rocAuc, topDecileLift } from '../src/churn/metrics.ts';
import { memberMonth, memberMonths } from '../src/churn/training-set.ts';
import { Lake } from '../src/lake/lake.ts';
import { openRunner } from '../src/pipeline/model-graph.ts';
import { DEFAULT_TIME_ZONE } from '../src/sandbox/generate.ts';
import { Database } from '../src/sql/database.ts';
import { exitWithHelpIfAsked, report } from './measure.ts';

/** The stated drivers: the share of recurring ends that fade, and the fade's length in days. */
const FADING_SHARE = 0.68;
const FADE_DAYS = { min: 35, max: 80 };
const WINDOW_DAYS = 90;

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({ options: { lake: { type: 'string' } } });
if (!values.lake)
  throw new Error('--lake: a demo lake a daily run wrote (daily --sandbox --sandbox-lake DIR)');
const db = await Database.open(new Lake({ kind: 'local', dir: path.resolve(values.lake) }), {
  timeZone: DEFAULT_TIME_ZONE,
});
try {
  const runner = await openRunner(db);
  const split = await backtestSplit(runner);
  const data = await memberMonths(runner, {
    asOfDates: [...split.trainDates, ...split.testDates],
    asOf: split.asOf,
  });
  // Days before T of each visit in the 90 days up to T, by member-month.
  await db.run('create temp table churn_member_months (customer_id varchar, as_of varchar)');
  await db.appendRows(
    'churn_member_months',
    (data.columns.customer_id as string[]).map((id, i) => [id, String(data.columns.as_of![i])]),
  );
  const visitAges = new Map<string, Set<number>>();
  for (const row of await db.query(
    `select m.customer_id, m.as_of::varchar as as_of, list(distinct (m.as_of - e.event_local_date)::integer) as ages
     from (select customer_id, as_of::date as as_of from churn_member_months) as m
     inner join customer_events as e
        on e.customer_id = m.customer_id and e.event_type = 'checkin'
       and e.event_local_date <= m.as_of and e.event_local_date > m.as_of - ${WINDOW_DAYS}
     group by all`,
  ))
    visitAges.set(`${row.as_of}|${row.customer_id}`, new Set((row.ages as number[]).map(Number)));

  const rows = [...Array(data.rows).keys()].map((i) => memberMonth(data, i));
  const train = new Set(split.trainDates);
  const isTrain = (r: MemberMonth) => train.has(String(r.as_of));
  const planKey = (r: MemberMonth) =>
    [
      r.frequency,
      r.is_fixed_term,
      r.frequency === 'annual' && 365 - (Number(r.plan_days) % 365) <= 90,
      unpaidDecline(r),
    ].join('|');
  const counts = new Map<string, { churned: number; all: number }>();
  for (const r of rows.filter(isTrain)) {
    const c = counts.get(planKey(r)) ?? { churned: 0, all: 0 };
    c.churned += r.churned === true ? 1 : 0;
    c.all++;
    counts.set(planKey(r), c);
  }
  const prior = (r: MemberMonth) => {
    const c = counts.get(planKey(r)) ?? { churned: 0, all: 0 };
    return (c.churned + 1) / (c.all + 6);
  };
  /** The mean likelihood ratio of the visits under a fade (ends in 1..90 days, fades of 35–80 days). */
  const fadeLikelihoodRatio = (r: MemberMonth) => {
    const daily = 1 - Math.exp(-usualDailyVisits(r));
    const ages = visitAges.get(`${r.as_of}|${r.customer_id}`) ?? new Set<number>();
    let sum = 0;
    let cases = 0;
    for (let end = 1; end <= WINDOW_DAYS; end += 2) {
      for (let fade = FADE_DAYS.min; fade <= FADE_DAYS.max; fade += 3) {
        let logRatio = 0;
        for (let age = 0; age < WINDOW_DAYS; age++) {
          const kept = Math.min(1, (end + age) / fade);
          if (kept >= 1) break;
          logRatio += ages.has(age) ? Math.log(kept) : Math.log((1 - daily * kept) / (1 - daily));
        }
        sum += Math.exp(logRatio);
        cases++;
      }
    }
    return sum / cases;
  };
  const mechanism = (r: MemberMonth) => {
    const p = prior(r);
    const odds = (p * (FADING_SHARE * fadeLikelihoodRatio(r) + 1 - FADING_SHARE)) / (1 - p);
    return odds / (1 + odds);
  };

  const trainRows = rows.filter(isTrain);
  const testRows = rows.filter((r) => !isTrain(r));
  const labels: number[] = testRows.map((r) => (r.churned === true ? 1 : 0));
  const figures = (scores: number[]) => ({
    rocAuc: rocAuc(scores, labels),
    topDecileLift: topDecileLift(scores, labels),
  });
  const learned = (withMechanism: boolean) => {
    const valuesOf = (r: MemberMonth) => {
      const v = FEATURES.map((f) => f.value(r));
      if (withMechanism) {
        const p = mechanism(r);
        v.push(Math.log(p / (1 - p)));
      }
      return v;
    };
    const names = [...FEATURES.map((f) => f.name), ...(withMechanism ? ['mechanism_log_odds'] : [])];
    const trainValues = trainRows.map(valuesOf);
    const model = fitLogistic(
      names,
      {
        columns: names.map((_, j) => Float64Array.from(trainValues, (v) => v[j]!)),
        labels: Uint8Array.from(trainRows, (r) => (r.churned === true ? 1 : 0)),
      },
      { lambda: LAMBDA },
    );
    return figures(testRows.map((r) => probability(model, valuesOf(r))));
  };
  await report('churn-ceiling', {
    split: { asOf: split.asOf, cutoff: split.cutoff, train: trainRows.length, test: testRows.length },
    testChurnRate: labels.reduce((s, v) => s + v, 0) / labels.length,
    planPriorOnly: figures(testRows.map(prior)),
    statedMechanism: figures(testRows.map(mechanism)),
    model: learned(false),
    modelWithMechanism: learned(true),
  });
} finally {
  db.close();
}
