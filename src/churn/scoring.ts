/**
 * The daily churn score: each member's probability of churning within 90 days of the run's as-of
 * date, its risk band and the three reasons that raise it most, into `core/churn_scores`. The model
 * is kept in `state/churn_models` (one row per fit, with its training cut-off and figures); a run
 * uses the newest fit made in its own month from data up to its as-of date, and fits a new one
 * when there is none (monthly) or when asked (`--retrain`). A past `--as-of` run therefore uses, or
 * fits, a model that saw nothing after that date.
 */
import type { ModelRunner } from '../models/runner.ts';
import { PARQUET_WRITE_OPTIONS, parquetReader, sqlString } from '../sql/database.ts';
import { LAMBDA } from './backtest.ts';
import { describeReason, FEATURES, type ReasonGroup } from './features.ts';
import { contributions, fitLogistic, type LogisticModel, probabilities, probability } from './logistic.ts';
import { rocAuc } from './metrics.ts';
import {
  addDays,
  designOf,
  firstMembershipDay,
  HORIZON_DAYS,
  memberMonth,
  memberMonths,
  monthEnds,
} from './training-set.ts';

export const CHURN_SCORES_PLACEHOLDER = `select null::varchar as customer_id, null::date as as_of,
  null::double as probability, null::varchar as risk_band, null::varchar[] as reasons where false`;

export interface StoredChurnModel {
  model_id: string;
  /** The as-of date it was fitted for; its labels all ended by then (the training cut-off). */
  trained_on: string;
  first_as_of: string;
  last_as_of: string;
  member_months: number;
  churn_rate: number;
  training_auc: number;
  model: LogisticModel;
}

async function storedModels(runner: ModelRunner): Promise<StoredChurnModel[]> {
  const info = await runner.db.lake.table('state/churn_models');
  if (!info) return [];
  const rows = await runner.db.query(
    `select model_id, trained_on::varchar as trained_on, first_as_of::varchar as first_as_of,
            last_as_of::varchar as last_as_of, member_months, churn_rate, training_auc, model
     from ${parquetReader(info)} order by trained_on, model_id`,
  );
  return rows.map((r) => ({
    model_id: String(r.model_id),
    trained_on: String(r.trained_on),
    first_as_of: String(r.first_as_of),
    last_as_of: String(r.last_as_of),
    member_months: Number(r.member_months),
    churn_rate: Number(r.churn_rate),
    training_auc: Number(r.training_auc),
    model: JSON.parse(String(r.model)) as LogisticModel,
  }));
}

/** Fits on every month-end whose 90 days ended by `asOf`, and appends the fit to `state/churn_models`. */
export async function trainChurnModel(runner: ModelRunner, asOf: string): Promise<StoredChurnModel> {
  const dates = monthEnds(await firstMembershipDay(runner), asOf).filter(
    (t) => addDays(t, HORIZON_DAYS) <= asOf,
  );
  if (dates.length === 0) throw new Error(`no month-end has its 90 days before ${asOf}: too little history`);
  const data = await memberMonths(runner, { asOfDates: dates, asOf });
  const design = designOf(data, [...Array(data.rows).keys()]);
  const model = fitLogistic(
    FEATURES.map((f) => f.name),
    design,
    { lambda: LAMBDA },
  );
  const labels = design.labels;
  const stored: StoredChurnModel = {
    model_id: `${asOf}-${Date.now()}`,
    trained_on: asOf,
    first_as_of: dates[0]!,
    last_as_of: dates.at(-1)!,
    member_months: data.rows,
    churn_rate: labels.reduce((s, v) => s + v, 0) / data.rows,
    training_auc: rocAuc(probabilities(model, design), labels),
    model,
  };
  await runner.db.lake.appendPart('state/churn_models', stored.model_id, (tmp) =>
    runner.db.run(
      `copy (select $model_id as model_id, $trained_on::date as trained_on, $first_as_of::date as first_as_of,
                    $last_as_of::date as last_as_of, $member_months::bigint as member_months,
                    $churn_rate::double as churn_rate, $training_auc::double as training_auc,
                    $model::json as model, now() as trained_at)
       to ${sqlString(tmp)} ${PARQUET_WRITE_OPTIONS}`,
      {
        model_id: stored.model_id,
        trained_on: stored.trained_on,
        first_as_of: stored.first_as_of,
        last_as_of: stored.last_as_of,
        member_months: stored.member_months,
        churn_rate: stored.churn_rate,
        training_auc: stored.training_auc,
        model: JSON.stringify(model),
      },
    ),
  );
  return stored;
}

/**
 * The fit a run at `asOf` uses: the newest made in its month from data up to it over today's
 * features (a fit from before the features changed is not used), else a new one.
 */
export async function modelFor(
  runner: ModelRunner,
  asOf: string,
  retrain: boolean,
): Promise<StoredChurnModel> {
  if (!retrain) {
    const usable = (await storedModels(runner)).filter(
      (m) =>
        m.trained_on <= asOf &&
        m.trained_on.slice(0, 7) === asOf.slice(0, 7) &&
        m.model.features.join() === FEATURES.map((f) => f.name).join(),
    );
    const newest = usable.at(-1);
    if (newest) return newest;
  }
  return trainChurnModel(runner, asOf);
}

/** High: at least twice the training churn rate; medium: at least that rate; else low. */
export function riskBand(p: number, baseRate: number): 'high' | 'medium' | 'low' {
  if (p >= 2 * baseRate) return 'high';
  if (p >= baseRate) return 'medium';
  return 'low';
}

export interface ChurnScoring {
  members: number;
  high: number;
  /** Null while no month-end's 90 days have passed (nothing to fit). */
  model: StoredChurnModel | null;
  trained: boolean;
}

export async function scoreChurn(
  runner: ModelRunner,
  options: { asOf: string; retrain?: boolean },
): Promise<ChurnScoring> {
  const before = (await storedModels(runner)).length;
  const first = await runner.db.query(
    'select min(started_on)::varchar as day from customer_memberships where is_membership',
  );
  const firstDay = first[0]?.day ? String(first[0].day) : null;
  if (firstDay === null || monthEnds(firstDay, addDays(options.asOf, -HORIZON_DAYS)).length === 0) {
    // A new gym: no month-end has a known outcome yet, so there is nothing to learn from.
    await runner.db.writeSelect('core/churn_scores', CHURN_SCORES_PLACEHOLDER);
    return { members: 0, high: 0, model: null, trained: false };
  }
  const stored = await modelFor(runner, options.asOf, options.retrain ?? false);
  const trained = (await storedModels(runner)).length > before;
  const data = await memberMonths(runner, { asOfDates: [options.asOf], asOf: options.asOf });
  const rows: (string | null)[][] = [];
  let high = 0;
  for (let i = 0; i < data.rows; i++) {
    const member = memberMonth(data, i);
    const values = FEATURES.map((f) => f.value(member));
    const p = probability(stored.model, values);
    const byGroup = new Map<ReasonGroup, number>();
    contributions(stored.model, values).forEach((c, j) => {
      const group = FEATURES[j]!.group;
      byGroup.set(group, (byGroup.get(group) ?? 0) + c);
    });
    const reasons = [...byGroup.entries()]
      .filter(([, c]) => c > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([group]) => describeReason(group, member));
    const band = riskBand(p, stored.churn_rate);
    if (band === 'high') high++;
    rows.push([String(member.customer_id), options.asOf, String(p), band, JSON.stringify(reasons)]);
  }
  const db = runner.db;
  await db.run(
    'create or replace temp table churn_score_rows (customer_id varchar, as_of varchar, probability varchar, risk_band varchar, reasons varchar)',
  );
  await db.appendRows('churn_score_rows', rows);
  await db.writeSelect(
    'core/churn_scores',
    `select customer_id, as_of::date as as_of, probability::double as probability, risk_band,
            from_json(reasons, '["varchar"]') as reasons
     from churn_score_rows order by probability desc, customer_id`,
  );
  await db.run('drop table churn_score_rows');
  return { members: data.rows, high, model: stored, trained };
}
