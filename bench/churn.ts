/**
 * Churn model benchmark. Guards against: fitting the churn model at 100 times the demo gym (about
 * 1.5 million member-months) taking more than 60 s, or the daily scoring with the month's stored fit
 * more than 10 s.
 *
 *   npx tsx bench/churn.ts --lake DIR [--scale 100]
 *
 * DIR is a demo gym's lake a daily run wrote (`daily --sandbox --sandbox-lake DIR`). The churn step
 * reads only `customer_events` and `customer_memberships`; both are copied --scale times into
 * bench/results/churn-lake-<scale>/ (each copy its own customers and memberships, the same dates),
 * so every member-month, event and member is there --scale times. (The 100x raw writer,
 * src/sandbox/scale-writer.ts, ran out of its 256 MB DuckDB memory on this branch.) Training is
 * `trainChurnModel` (member-months from the lake, the design, the Newton fit, the fit appended to
 * state/churn_models), timed whole and then step by step; scoring is `scoreChurn` with that fit (no
 * refit). Results go to bench/results/churn-scale.json.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LAMBDA } from '../src/churn/backtest.ts';
import { FEATURES } from '../src/churn/features.ts';
import { fitLogistic } from '../src/churn/logistic.ts';
import { scoreChurn, trainChurnModel } from '../src/churn/scoring.ts';
import {
  addDays,
  dataAsOf,
  designOf,
  firstMembershipDay,
  HORIZON_DAYS,
  memberMonths,
  monthEnds,
} from '../src/churn/training-set.ts';
import { Lake } from '../src/lake/lake.ts';
import { openRunner } from '../src/pipeline/model-graph.ts';
import { DEFAULT_TIME_ZONE } from '../src/sandbox/generate.ts';
import { Database, parquetReader } from '../src/sql/database.ts';
import { cachedBuild, exitWithHelpIfAsked, report, timed, trackPeakRss } from './measure.ts';

const root = path.resolve(import.meta.dirname, '..');
const TIME_ZONE = DEFAULT_TIME_ZONE;
/** What the churn step reads, and the columns that name a customer or a membership. */
const COPIED: Record<string, string[]> = {
  'core/customer_events': ['customer_id'],
  'core/customer_memberships': ['customer_id', 'membership_id'],
};

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({
  options: { lake: { type: 'string' }, scale: { type: 'string', default: '100' } },
});
if (!values.lake) throw new Error('--lake: the demo lake to scale up (daily --sandbox --sandbox-lake DIR)');
const scale = Number(values.scale);
const source = new Lake({ kind: 'local', dir: path.resolve(values.lake) });
const dir = path.join(root, 'bench/results', `churn-lake-${scale}`);

const copied = await timed(() =>
  cachedBuild(dir, async () => {
    const target = await Database.open(new Lake({ kind: 'local', dir }), { timeZone: TIME_ZONE });
    try {
      for (const [key, ids] of Object.entries(COPIED)) {
        const info = await source.table(key);
        if (!info) throw new Error(`${values.lake}: no ${key}; run the daily job on it first`);
        const renamed = ids.map((c) => `${c} || '~' || copy as ${c}`).join(', ');
        await target.writeSelect(
          key,
          `select * replace (${renamed}) from ${parquetReader(info)}, range($scale::integer) as copies(copy)`,
          { scale },
        );
      }
    } finally {
      target.close();
    }
  }),
);
console.error(`×${scale}: lake ${copied.result} in ${copied.seconds.toFixed(1)} s (untimed)`);

const lake = new Lake({ kind: 'local', dir });
const db = await Database.open(lake, { timeZone: TIME_ZONE });
try {
  await lake.dropTable('state/churn_models');
  const probe = await openRunner(db, { vars: { time_zone: TIME_ZONE } });
  const AS_OF_DAY = await dataAsOf(probe);
  const runner = await openRunner(db, {
    asOf: new Date(`${AS_OF_DAY}T18:00:00Z`),
    vars: { time_zone: TIME_ZONE },
  });

  const peakTraining = trackPeakRss();
  const training = await timed(() => trainChurnModel(runner, AS_OF_DAY));
  const trainingPeakRssMb = peakTraining();
  const fit = training.result;
  console.error(
    `×${scale}: trained on ${fit.member_months.toLocaleString('en-US')} member-months in ${training.seconds.toFixed(1)} s`,
  );

  // The same training step by step, to show where the time goes.
  const dates = monthEnds(await firstMembershipDay(runner), AS_OF_DAY).filter(
    (t) => addDays(t, HORIZON_DAYS) <= AS_OF_DAY,
  );
  const rows = await timed(() => memberMonths(runner, { asOfDates: dates, asOf: AS_OF_DAY }));
  const design = await timed(async () => designOf(rows.result, [...Array(rows.result.rows).keys()]));
  const newton = await timed(async () =>
    fitLogistic(
      FEATURES.map((f) => f.name),
      design.result,
      { lambda: LAMBDA },
    ),
  );

  const peakScoring = trackPeakRss();
  const scoring = await timed(() => scoreChurn(runner, { asOf: AS_OF_DAY }));
  const scoringPeakRssMb = peakScoring();
  if (scoring.result.trained) throw new Error('scoring refitted the model: the stored fit was not used');

  await report('churn-scale', {
    scale,
    asOf: AS_OF_DAY,
    cores: os.availableParallelism(),
    loadAverage: os.loadavg(),
    training: {
      memberMonths: fit.member_months,
      monthEnds: dates.length,
      features: FEATURES.length,
      newtonSteps: fit.model.iterations,
      churnRate: fit.churn_rate,
      trainingAuc: fit.training_auc,
      seconds: training.seconds,
      peakRssMb: trainingPeakRssMb,
      steps: { memberMonthsSeconds: rows.seconds, designSeconds: design.seconds, fitSeconds: newton.seconds },
    },
    scoring: {
      members: scoring.result.members,
      high: scoring.result.high,
      seconds: scoring.seconds,
      peakRssMb: scoringPeakRssMb,
    },
    targets: { trainingSeconds: 60, scoringSeconds: 10 },
  });
} finally {
  db.close();
}
