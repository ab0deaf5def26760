import { addDays, type HandBuilt } from './hand-built.ts';

/**
 * For every rule, a timeline on which it holds at `asOf` and one on which it does not, for one
 * customer. The rule tests use them as their plain positive and negative cases; the cooldown test
 * rebuilds the core tables from them day after day.
 */
export interface Scenario {
  positive(world: HandBuilt, customerId: string, asOf: string): void;
  negative(world: HandBuilt, customerId: string, asOf: string): void;
}

const LONG_AGO = '2024-01-01';
const OFFER = { campaign_id: 'c1', has_offer: true, offer_type: 'day_pass_discount', offer_code: 'CRUX10A' };

export const SCENARIOS: Record<string, Scenario> = {
  lapsed_member: {
    positive: (w, c, d) => w.membership(c, { id: `m-${c}`, start: LONG_AGO }).checkin(c, addDays(d, -40)),
    negative: (w, c, d) => w.membership(c, { id: `m-${c}`, start: LONG_AGO }).checkin(c, addDays(d, -3)),
  },
  churn_risk: {
    positive: (w, c, d) =>
      w
        .membership(c, { id: `m-${c}`, start: LONG_AGO })
        .checkins(c, addDays(d, -30), 8, 6)
        .checkin(c, addDays(d, -5)),
    negative: (w, c, d) => w.membership(c, { id: `m-${c}`, start: LONG_AGO }).checkins(c, d, 12, 7),
  },
  predicted_churn: {
    positive: (w, c, d) => w.membership(c, { id: `m-${c}`, start: LONG_AGO }).churnScore(c, d, 0.6),
    negative: (w, c, d) => w.membership(c, { id: `m-${c}`, start: LONG_AGO }).churnScore(c, d, 0.1),
  },
  no_email: {
    positive: (w, c, d) => w.customer(c, { email: null }).checkin(c, addDays(d, -10)),
    negative: (w, c, d) => w.customer(c).checkin(c, addDays(d, -10)),
  },
  purchase_without_account: {
    positive: (w, c, d) => w.customer(c, { capitan: null }).event(c, 'day_pass_purchase', addDays(d, -2)),
    negative: (w, c, d) => w.customer(c).event(c, 'day_pass_purchase', addDays(d, -2)),
  },
  ready_for_membership: {
    positive: (w, c, d) => w.event(c, 'day_pass_purchase', addDays(d, -2)),
    negative: (w, c, d) => w.event(c, 'day_pass_purchase', addDays(d, -20)),
  },
  first_time_day_pass: {
    positive: (w, c, d) => w.checkin(c, addDays(d, -1), { dayPass: true }),
    negative: (w, c, d) => w.checkin(c, addDays(d, -10), { dayPass: true }),
  },
  '2_week_pass_purchase': {
    positive: (w, c, d) =>
      w.membership(c, { id: `m-${c}`, name: '2-Week Climbing Pass', start: addDays(d, -3) }),
    negative: (w, c, d) =>
      w.membership(c, { id: `m-${c}`, name: '2-Week Climbing Pass', start: addDays(d, -30) }),
  },
  membership_cancelled_winback: {
    positive: (w, c, d) => w.membership(c, { id: `m-${c}`, start: LONG_AGO, end: addDays(d, -2) }),
    negative: (w, c, d) => w.membership(c, { id: `m-${c}`, start: LONG_AGO, end: addDays(d, -40) }),
  },
  offer_sent_recently: {
    positive: (w, c, d) => w.event(c, 'email_sent', addDays(d, -5), OFFER),
    negative: (w, c, d) => w.event(c, 'email_sent', addDays(d, -45), OFFER),
  },
  active_membership: {
    positive: (w, c) => w.membership(c, { id: `m-${c}`, start: LONG_AGO }),
    negative: (w, c, d) => w.membership(c, { id: `m-${c}`, start: LONG_AGO, end: addDays(d, -40) }),
  },
};
