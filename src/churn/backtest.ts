/**
 * The time-split backtest: the model is fitted on the member-months whose 90-day outcome the lake had
 * seen by a cut-off, and scored on the month-ends after it, beside the visit-decline rule that
 * ChurnRisk was, at the same number of flagged members on each test date.
 */
import type { ModelRunner } from '../models/runner.ts';
import churnRisk from '../rules/catalog/churn_risk.ts';
import { FEATURES } from './features.ts';
import { fitLogistic, type LogisticModel, probability } from './logistic.ts';
import { averagePrecision, type CalibrationBin, calibration, rocAuc, topDecileLift } from './metrics.ts';
import {
  addDays,
  dataAsOf,
  designOf,
  firstMembershipDay,
  HORIZON_DAYS,
  memberMonths,
  monthEnds,
} from './training-set.ts';

/**
 * The baseline is the visit-decline rule itself (`churn_risk`, what ChurnRisk was before the learned
 * score), its check run at each test date with its default thresholds: 28/56 days, 6 visits, ratio 0.35.
 */
export const BASELINE_RULE = churnRisk.parse();
export const TEST_MONTHS = 6;
export const LAMBDA = 1;

export interface FlagScore {
  flags: number;
  truePositives: number;
  precision: number;
  recall: number;
}

export interface ChurnBacktest {
  asOf: string;
  horizonDays: number;
  /** Training used only member-months whose 90 days had ended by this day: the first test date. */
  cutoff: string;
  train: { asOfDates: string[]; memberMonths: number; churnRate: number };
  test: { asOfDates: string[]; memberMonths: number; churners: number; churnRate: number };
  model: { rocAuc: number; prAuc: number; topDecileLift: number; calibration: CalibrationBin[] };
  rule: FlagScore & { name: string; thresholds: typeof BASELINE_RULE };
  modelAtRuleFlags: FlagScore;
  /** The probability at which the model flags as many test member-months as the rule did. */
  threshold: number;
  fitted: LogisticModel;
  seconds: { memberMonths: number; fit: number; score: number; rule: number };
}

const since = (started: number) => Math.round((performance.now() - started) / 10) / 100;

export interface BacktestSplit {
  asOf: string;
  cutoff: string;
  trainDates: string[];
  testDates: string[];
}

/**
 * The time split: the last `testMonths` month-ends whose 90 days the lake has seen are the test
 * period; training takes the month-ends whose 90 days ended by the first of them (the cut-off).
 */
export async function backtestSplit(
  runner: ModelRunner,
  options: { asOf?: string; testMonths?: number } = {},
): Promise<BacktestSplit> {
  const asOf = options.asOf ?? (await dataAsOf(runner));
  const labelled = monthEnds(await firstMembershipDay(runner), asOf).filter(
    (t) => addDays(t, HORIZON_DAYS) <= asOf,
  );
  const testDates = labelled.slice(-(options.testMonths ?? TEST_MONTHS));
  const cutoff = testDates[0];
  if (!cutoff) throw new Error(`no month-end before ${addDays(asOf, -HORIZON_DAYS)}: too little history`);
  const trainDates = labelled.filter((t) => addDays(t, HORIZON_DAYS) <= cutoff);
  if (trainDates.length === 0) throw new Error(`no month-end has its 90 days before the cut-off ${cutoff}`);
  return { asOf, cutoff, trainDates, testDates };
}

export async function runBacktest(
  runner: ModelRunner,
  options: { asOf?: string; testMonths?: number } = {},
): Promise<ChurnBacktest> {
  const { asOf, cutoff, trainDates, testDates } = await backtestSplit(runner, options);

  let started = performance.now();
  const data = await memberMonths(runner, { asOfDates: [...trainDates, ...testDates], asOf });
  const memberMonthSeconds = since(started);
  const asOfColumn = data.columns.as_of as string[];
  const trainSet = new Set(trainDates);
  const indices = [...asOfColumn.keys()];
  const trainRows = indices.filter((i) => trainSet.has(asOfColumn[i]!));
  const testRows = indices.filter((i) => !trainSet.has(asOfColumn[i]!));

  started = performance.now();
  const trainDesign = designOf(data, trainRows);
  const fitted = fitLogistic(
    FEATURES.map((f) => f.name),
    trainDesign,
    { lambda: LAMBDA },
  );
  const fitSeconds = since(started);

  started = performance.now();
  const testDesign = designOf(data, testRows);
  const scores = testRows.map((_, k) =>
    probability(
      fitted,
      testDesign.columns.map((c) => c[k]!),
    ),
  );
  const labels = [...testDesign.labels];
  const scoreSeconds = since(started);

  // The rule at each test date, among the same members; the model flags as many on each date.
  started = performance.now();
  const ruleHits = new Set<string>();
  for (const day of testDates) {
    const check = await churnRisk.query(day, BASELINE_RULE);
    for (const hit of await runner.rows(churnRisk.queryName, check.params, { exact: true }))
      ruleHits.add(`${day}|${String(hit.customer_id)}`);
  }
  const ruleSeconds = since(started);
  const customerColumn = data.columns.customer_id as string[];
  const ruleFlag = testRows.map((i) => ruleHits.has(`${asOfColumn[i]}|${customerColumn[i]}`));
  const churners = labels.reduce((s, v) => s + v, 0);
  const score = (flagged: boolean[]): FlagScore => {
    const flags = flagged.filter(Boolean).length;
    const truePositives = flagged.reduce((s, f, k) => s + (f && labels[k] === 1 ? 1 : 0), 0);
    return {
      flags,
      truePositives,
      precision: flags === 0 ? 0 : truePositives / flags,
      recall: churners === 0 ? 0 : truePositives / churners,
    };
  };
  const modelFlag = new Array<boolean>(testRows.length).fill(false);
  for (const day of testDates) {
    const onDay = testRows.map((i, k) => [i, k] as const).filter(([i]) => asOfColumn[i] === day);
    const quota = onDay.filter(([, k]) => ruleFlag[k]).length;
    onDay
      .sort((a, b) => scores[b[1]]! - scores[a[1]]!)
      .slice(0, quota)
      .forEach(([, k]) => {
        modelFlag[k] = true;
      });
  }
  const ruleScore = score(ruleFlag);
  const sorted = [...scores].sort((a, b) => b - a);
  const trainChurners = trainDesign.labels.reduce((s, v) => s + v, 0);
  return {
    asOf,
    horizonDays: HORIZON_DAYS,
    cutoff,
    train: {
      asOfDates: trainDates,
      memberMonths: trainRows.length,
      churnRate: trainChurners / Math.max(1, trainRows.length),
    },
    test: {
      asOfDates: testDates,
      memberMonths: testRows.length,
      churners,
      churnRate: churners / Math.max(1, testRows.length),
    },
    model: {
      rocAuc: rocAuc(scores, labels),
      prAuc: averagePrecision(scores, labels),
      topDecileLift: topDecileLift(scores, labels),
      calibration: calibration(scores, labels),
    },
    rule: { name: 'visit decline (ChurnRisk before issue 19)', thresholds: BASELINE_RULE, ...ruleScore },
    modelAtRuleFlags: score(modelFlag),
    threshold: sorted[Math.max(0, ruleScore.flags - 1)] ?? 1,
    fitted,
    seconds: { memberMonths: memberMonthSeconds, fit: fitSeconds, score: scoreSeconds, rule: ruleSeconds },
  };
}
