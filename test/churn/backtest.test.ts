/**
 * The churn model and its backtest: the metrics on hand-made inputs, the Newton fit on a known
 * logistic model, and the time split on the demo gym's lake (the run's shared one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/churn/backtest.ts';
import { fitLogistic, probability } from '../../src/churn/logistic.ts';
import { averagePrecision, calibration, rocAuc, topDecileLift } from '../../src/churn/metrics.ts';
import { addDays, HORIZON_DAYS } from '../../src/churn/training-set.ts';
import { Lake } from '../../src/lake/lake.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { DEFAULT_TIME_ZONE } from '../../src/sandbox/generate.ts';
import { Database } from '../../src/sql/database.ts';
import { BUILD_WAIT_MS, sharedDemoLake } from '../support/demo-lake.ts';

describe('ranking metrics', () => {
  it('scores a known ranking', () => {
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    const labels = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    expect(rocAuc(scores, labels)).toBeCloseTo(15 / 16, 10);
    expect(averagePrecision(scores, labels)).toBeCloseTo((1 + 2 / 3) / 2, 10);
    expect(topDecileLift(scores, labels)).toBeCloseTo(5, 10);
    expect(rocAuc([0.5, 0.5], [1, 0])).toBe(0.5);
    const bins = calibration(scores, labels);
    expect(bins).toHaveLength(10);
    expect(bins.at(-1)).toEqual({ decile: 10, members: 1, predicted: 0.9, observed: 1 });
  });
});

describe('Newton fit', () => {
  it('recovers a known logistic model from its own samples', () => {
    let state = 7;
    const uniform = () => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state / 2_147_483_648;
    };
    const n = 20_000;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = uniform() * 4 - 2;
      b[i] = uniform() < 0.3 ? 1 : 0;
      labels[i] = uniform() < 1 / (1 + Math.exp(-(-1 + 1.5 * a[i]! - 2 * b[i]!))) ? 1 : 0;
    }
    const model = fitLogistic(['a', 'b'], { columns: [a, b], labels }, { lambda: 0.01 });
    // Back on the raw scale: the slope of a is 1.5, of b −2, the intercept −1.
    const slopeA = model.weights[1]! / model.scales[0]!;
    const slopeB = model.weights[2]! / model.scales[1]!;
    expect(slopeA).toBeCloseTo(1.5, 0);
    expect(slopeB).toBeCloseTo(-2, 0);
    expect(probability(model, [0, 0])).toBeCloseTo(1 / (1 + Math.exp(1)), 1);
    expect(fitLogistic(['a', 'b'], { columns: [a, b], labels }, { lambda: 0.01 })).toEqual(model);
    // Curvature from every 10th row only: the same optimum, since the full gradient must vanish.
    const subsampled = fitLogistic(
      ['a', 'b'],
      { columns: [a, b], labels },
      { lambda: 0.01, hessianRows: 2_000 },
    );
    subsampled.weights.forEach((w, j) => {
      expect(w).toBeCloseTo(model.weights[j]!, 6);
    });
  });
});

describe('backtest on the demo gym', () => {
  let db: Database;
  beforeAll(async () => {
    const demo = await sharedDemoLake();
    db = await Database.open(new Lake({ kind: 'local', dir: demo.lakeDir }), { timeZone: DEFAULT_TIME_ZONE });
  }, BUILD_WAIT_MS);
  afterAll(() => db?.close());

  it('tests strictly after training and scores the model beside the rule at its flag count', async () => {
    const r = await runBacktest(await openRunner(db));
    expect(r.test.asOfDates).toHaveLength(6);
    // Every training label was known by the cut-off, the first test date.
    for (const day of r.train.asOfDates) expect(addDays(day, HORIZON_DAYS) <= r.cutoff).toBe(true);
    for (const day of r.test.asOfDates) expect(day >= r.cutoff).toBe(true);
    expect(r.test.asOfDates.at(-1)! <= addDays(r.asOf, -HORIZON_DAYS)).toBe(true);
    expect(r.train.memberMonths).toBeGreaterThan(3000);
    expect(r.test.churners).toBeGreaterThan(100);
    expect(r.model.rocAuc).toBeGreaterThan(0.55);
    expect(r.model.calibration).toHaveLength(10);
    expect(r.modelAtRuleFlags.flags).toBe(r.rule.flags);
    expect(r.rule.flags).toBeGreaterThan(50);
    expect(r.modelAtRuleFlags.precision).toBeGreaterThan(r.rule.precision);
    expect(r.modelAtRuleFlags.recall).toBeGreaterThan(r.rule.recall);
  });
});
