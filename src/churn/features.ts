/**
 * The model's inputs, computed from one member-month of `queries/churn/churn_features.sql`: each is a
 * number (a transform of the query's columns) in a reason group, and each group says in plain words
 * why it raises a member's risk, from that member's own figures.
 */

/** One member-month as the features query returns it (numbers, booleans and text by column name). */
export type MemberMonth = Record<string, unknown>;

const num = (row: MemberMonth, column: string): number => Number(row[column] ?? 0);
const flag = (row: MemberMonth, column: string): number => (row[column] === true ? 1 : 0);
const logRatio = (recent: number, before: number) => Math.log((recent + 1) / (before + 1));

/**
 * The member's usual visits a day, from their membership days before the last 8 weeks, shrunk toward
 * a typical member's rate (about 0.7 a week) by 4 weeks' worth of it, so a short history is not
 * read as a rate: visit rates differ widely from member to member, and a fade is a fall from one's own.
 */
const TYPICAL_DAILY_VISITS = 0.1;
const PRIOR_DAYS = 28;
export const usualDailyVisits = (row: MemberMonth): number =>
  (num(row, 'visits_base') + TYPICAL_DAILY_VISITS * PRIOR_DAYS) / (num(row, 'base_days') + PRIOR_DAYS);

/** Visits in the last `days` against what the member's usual rate expects, on a log scale. */
const shortfall = (row: MemberMonth, column: string, days: number) =>
  Math.log((num(row, column) + 0.5) / (usualDailyVisits(row) * days + 0.5));

/** A declined payment in the last 35 days that no renewal payment has followed: in dunning now. */
export const unpaidDecline = (row: MemberMonth): boolean => {
  const failed = row.days_since_failed_payment;
  if (failed === null || failed === undefined || Number(failed) >= 35) return false;
  const renewed = row.days_since_renewal;
  return renewed === null || renewed === undefined || Number(renewed) > Number(failed);
};

export type ReasonGroup =
  | 'visit_trend'
  | 'recency'
  | 'visit_rate'
  | 'regularity'
  | 'payments'
  | 'plan'
  | 'tenure'
  | 'freeze'
  | 'household'
  | 'purchases'
  | 'email';

export interface Feature {
  name: string;
  group: ReasonGroup;
  value(row: MemberMonth): number;
}

export const FEATURES: readonly Feature[] = [
  {
    name: 'visit_trend_2w',
    group: 'visit_trend',
    value: (r) => (num(r, 'visits_2w') - num(r, 'visits_prev_2w')) / 2,
  },
  {
    name: 'visit_trend_4w',
    group: 'visit_trend',
    value: (r) => (num(r, 'visits_4w') - num(r, 'visits_prev_4w')) / 4,
  },
  {
    name: 'visit_trend_8w',
    group: 'visit_trend',
    value: (r) => (num(r, 'visits_8w') - num(r, 'visits_prev_8w')) / 8,
  },
  {
    name: 'visit_ratio_2w',
    group: 'visit_trend',
    value: (r) => logRatio(num(r, 'visits_2w'), num(r, 'visits_prev_2w')),
  },
  {
    name: 'visit_ratio_4w',
    group: 'visit_trend',
    value: (r) => logRatio(num(r, 'visits_4w'), num(r, 'visits_prev_4w')),
  },
  {
    name: 'visit_ratio_8w',
    group: 'visit_trend',
    value: (r) => logRatio(num(r, 'visits_8w'), num(r, 'visits_prev_8w')),
  },
  { name: 'visit_shortfall_2w', group: 'visit_trend', value: (r) => shortfall(r, 'visits_2w', 14) },
  { name: 'visit_shortfall_4w', group: 'visit_trend', value: (r) => shortfall(r, 'visits_4w', 28) },
  { name: 'visit_shortfall_8w', group: 'visit_trend', value: (r) => shortfall(r, 'visits_8w', 56) },
  {
    name: 'usual_visits_missed',
    group: 'recency',
    value: (r) => Math.log1p(usualDailyVisits(r) * num(r, 'days_since_visit')),
  },
  { name: 'log_days_since_visit', group: 'recency', value: (r) => Math.log1p(num(r, 'days_since_visit')) },
  { name: 'no_visit_4w', group: 'recency', value: (r) => (num(r, 'visits_4w') === 0 ? 1 : 0) },
  { name: 'log_visits_2w', group: 'visit_rate', value: (r) => Math.log1p(num(r, 'visits_2w')) },
  { name: 'log_visits_4w', group: 'visit_rate', value: (r) => Math.log1p(num(r, 'visits_4w')) },
  { name: 'log_visits_8w', group: 'visit_rate', value: (r) => Math.log1p(num(r, 'visits_8w')) },
  { name: 'log_visits_lookback', group: 'visit_rate', value: (r) => Math.log1p(num(r, 'visits_lookback')) },
  { name: 'log_usual_rate', group: 'visit_rate', value: (r) => Math.log(usualDailyVisits(r)) },
  { name: 'weekdays_8w', group: 'regularity', value: (r) => num(r, 'weekdays_8w') },
  {
    name: 'failed_payments_30d',
    group: 'payments',
    value: (r) => Math.min(3, num(r, 'failed_payments_30d')),
  },
  {
    name: 'log_failed_payments',
    group: 'payments',
    value: (r) => Math.log1p(num(r, 'failed_payments_lookback')),
  },
  { name: 'unpaid_decline', group: 'payments', value: (r) => (unpaidDecline(r) ? 1 : 0) },
  { name: 'plan_monthly', group: 'plan', value: (r) => (r.frequency === 'monthly' ? 1 : 0) },
  { name: 'plan_annual', group: 'plan', value: (r) => (r.frequency === 'annual' ? 1 : 0) },
  { name: 'plan_fixed_term', group: 'plan', value: (r) => flag(r, 'is_fixed_term') },
  {
    name: 'annual_renewal_90d',
    group: 'plan',
    value: (r) => (r.frequency === 'annual' && 365 - (num(r, 'plan_days') % 365) <= 90 ? 1 : 0),
  },
  { name: 'price', group: 'plan', value: (r) => num(r, 'billing_amount') / 100 },
  { name: 'log_tenure', group: 'tenure', value: (r) => Math.log1p(num(r, 'tenure_days')) },
  { name: 'log_plan_days', group: 'tenure', value: (r) => Math.log1p(num(r, 'plan_days')) },
  { name: 'memberships_ended', group: 'tenure', value: (r) => Math.min(3, num(r, 'memberships_ended')) },
  { name: 'frozen', group: 'freeze', value: (r) => flag(r, 'is_frozen') },
  { name: 'freezes_seen', group: 'freeze', value: (r) => Math.min(3, num(r, 'freezes_seen')) },
  { name: 'family', group: 'household', value: (r) => (num(r, 'people_on_membership') > 2 ? 1 : 0) },
  { name: 'owner', group: 'household', value: (r) => flag(r, 'is_owner') },
  { name: 'log_purchases_90d', group: 'purchases', value: (r) => Math.log1p(num(r, 'purchases_90d')) },
  { name: 'log_spend_90d', group: 'purchases', value: (r) => Math.log1p(num(r, 'spend_90d')) },
  { name: 'log_classes_90d', group: 'purchases', value: (r) => Math.log1p(num(r, 'classes_90d')) },
  { name: 'log_emails_90d', group: 'email', value: (r) => Math.log1p(num(r, 'emails_90d')) },
  { name: 'log_offers_90d', group: 'email', value: (r) => Math.log1p(num(r, 'offers_90d')) },
  { name: 'open_rate_90d', group: 'email', value: (r) => num(r, 'opens_90d') / (num(r, 'emails_90d') + 1) },
  { name: 'click_rate_90d', group: 'email', value: (r) => num(r, 'clicks_90d') / (num(r, 'emails_90d') + 1) },
];

const percentChange = (recent: number, before: number) =>
  before === 0 ? null : Math.round(((recent - before) / before) * 100);

/** Why a group raises this member's risk, in the member's own figures. */
export function describeReason(group: ReasonGroup, row: MemberMonth): string {
  switch (group) {
    case 'visit_trend': {
      const recent = num(row, 'visits_4w');
      const usual = usualDailyVisits(row) * 28;
      if (recent < usual && num(row, 'base_days') >= 28)
        return `visits down ${Math.round((1 - recent / usual) * 100)}% vs their usual rate (${recent} in the last 4 weeks, usually ${usual.toFixed(1)})`;
      const before = num(row, 'visits_prev_4w');
      const change = percentChange(recent, before);
      if (change !== null && change < 0)
        return `visits down ${-change}% vs previous 4 weeks (${recent} against ${before})`;
      return `visits ${recent} in the last 4 weeks, ${num(row, 'visits_prev_8w')} in the 8 weeks before the last 8`;
    }
    case 'recency':
      return `no visit in ${num(row, 'days_since_visit')} days (usually one every ${Math.round(1 / usualDailyVisits(row))})`;
    case 'visit_rate':
      return `few visits: ${num(row, 'visits_8w')} in the last 8 weeks`;
    case 'regularity':
      return `irregular: visited on ${num(row, 'weekdays_8w')} different weekdays in 8 weeks`;
    case 'payments':
      if (unpaidDecline(row))
        return `payment declined ${num(row, 'days_since_failed_payment')} days ago and not paid since`;
      return num(row, 'failed_payments_30d') > 0
        ? `${num(row, 'failed_payments_30d')} declined payment(s) in the last 30 days`
        : `${num(row, 'failed_payments_lookback')} declined payment(s) in recent months`;
    case 'plan':
      if (row.is_fixed_term === true) return `fixed-term plan (${String(row.membership_name)}) ends soon`;
      if (row.frequency === 'annual')
        return `annual plan, renewal due in ${365 - (num(row, 'plan_days') % 365)} days`;
      return `plan ${String(row.membership_name)} at $${num(row, 'billing_amount')} (${String(row.frequency)})`;
    case 'tenure':
      return `member for ${num(row, 'tenure_days')} days (this plan ${num(row, 'plan_days')})`;
    case 'freeze':
      return row.is_frozen === true
        ? 'membership frozen now'
        : `${num(row, 'freezes_seen')} freeze(s) before`;
    case 'household':
      return num(row, 'people_on_membership') > 2 ? 'family membership' : 'individual membership';
    case 'purchases':
      return `${num(row, 'purchases_90d')} purchases and ${num(row, 'classes_90d')} classes in 90 days`;
    case 'email':
      return `opened ${num(row, 'opens_90d')} of ${num(row, 'emails_90d')} emails in 90 days`;
  }
}
