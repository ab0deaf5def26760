/**
 * Churn model benchmark. Guards against: fitting the churn model at 100 times the demo gym (about
 * 1.6 million member-months) taking more than 60 s, or the daily scoring with the month's stored fit
 * more than 10 s.
 *
 *   npx tsx bench/churn.ts [--scale 100]
 *
 * The lake is bench/timeline.ts's cached one at --scale (`--prepare-only`: raw, staged, resolved),
 * its core layer built here once, untimed, when missing. Training is `trainChurnModel` (member-months
 * from the lake, the design, the Newton fit, the fit appended to state/churn_models), timed whole and
 * then step by step; scoring is `scoreChurn` with that fit (no refit). Results go to
 * bench/results/churn-scale.json.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LAMBDA } from '../src/churn/backtest.ts';
import { FEATURES } from '../src/churn/features.ts';
import { fitLogistic } from '../src/churn/logistic.ts';
import { scoreChurn, trainChurnModel } from '../src/churn/scoring.ts';
import {
  addDays,
  designOf,
  firstMembershipDay,
  HORIZON_DAYS,
  memberMonths,
  monthEnds,
} from '../src/churn/training-set.ts';
import { Lake } from '../src/lake/lake.ts';
import { openRunner } from '../src/pipeline/model-graph.ts';
import { DEFAULT_AS_OF } from '../src/sandbox/generate.ts';
import { Database } from '../src/sql/database.ts';
import { buildTimeline } from '../src/timeline/build-timeline.ts';
import { report, timed, trackPeakRss } from './measure.ts';

const root = path.resolve(import.meta.dirname, '..');
const TIME_ZONE = 'America/Chicago';
const AS_OF_DAY = DEFAULT_AS_OF.toLocaleDateString('en-CA', { timeZone: TIME_ZONE });

const { values } = parseArgs({ options: { scale: { type: 'string', default: '100' } } });
const scale = Number(values.scale);
const dir = path.join(root, 'bench/results', `timeline-lake-${scale}`);

await new Promise<void>((resolve, reject) => {
  const child = execFile(
    path.join(root, 'node_modules/.bin/tsx'),
    [path.join(root, 'bench/timeline.ts'), '--prepare-only', '--scale', String(scale)],
    (error) => (error ? reject(error) : resolve()),
  );
  child.stderr?.pipe(process.stderr);
});

const lake = new Lake({ kind: 'local', dir });
const db = await Database.open(lake, { timeZone: TIME_ZONE });
try {
  if (!(await lake.table('core/customer_memberships'))) {
    const { seconds } = await timed(() => buildTimeline(db, { timeZone: TIME_ZONE }));
    console.error(`×${scale}: core layer built in ${seconds.toFixed(1)} s (untimed)`);
  }
  await lake.dropTable('state/churn_models');
  const runner = await openRunner(db, { asOf: DEFAULT_AS_OF, vars: { time_zone: TIME_ZONE } });

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
