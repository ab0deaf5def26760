import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverRules } from '../../src/rules/discover.ts';
import type { FlagRule } from '../../src/rules/flag-rule.ts';
import type { Database, Row } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { addDays, HandBuilt, openLake } from './hand-built.ts';
import { SCENARIOS } from './scenarios.ts';

const AS_OF = '2026-06-15';
const at = (n: number) => addDays(AS_OF, n);

let rules: Map<string, FlagRule>;
beforeAll(async () => {
  rules = new Map((await discoverRules()).map((r) => [r.name, r]));
});

/**
 * Builds a world where each case is one customer, checks one rule at `AS_OF`, and returns the rows
 * by customer, so a test reads as "these cases hold, those do not".
 */
function ruleCases(ruleName: string, build: (world: HandBuilt) => void, overrides: unknown = {}) {
  const tempDir = useTempDirs();
  let db: Database;
  const hits = new Map<string, Row>();
  beforeAll(async () => {
    db = await openLake(await tempDir());
    const world = new HandBuilt();
    SCENARIOS[ruleName]!.positive(world, 'scenario-positive', AS_OF);
    SCENARIOS[ruleName]!.negative(world, 'scenario-negative', AS_OF);
    build(world);
    await world.write(db);
    for (const row of await rules.get(ruleName)!.check(db, AS_OF, overrides))
      hits.set(String(row.customer_id), row);
  });
  afterAll(() => db?.close());
  return {
    flagged: () => [...hits.keys()].sort(),
    hit: (customerId: string) => hits.get(customerId),
    details: (customerId: string) =>
      JSON.parse(String(hits.get(customerId)?.flag_details)) as Record<string, unknown>,
    flagDate: (customerId: string) =>
      (hits.get(customerId)?.flag_date as Date | undefined)?.toISOString().slice(0, 10),
  };
}

describe('lapsed_member: a running, unfrozen membership and no visit for 30+ days', () => {
  const cases = ruleCases('lapsed_member', (w) => {
    for (const days of [29, 30, 31]) {
      w.membership(`last-visit-${days}`, { id: `m${days}`, start: '2025-01-01' }).checkin(
        `last-visit-${days}`,
        at(-days),
      );
    }
    w.membership('new-member-10', { id: 'n10', start: at(-10) });
    w.membership('new-member-30', { id: 'n30', start: at(-30) });
    w.membership('ended', { id: 'e', start: '2025-01-01', end: at(-5) }).checkin('ended', at(-60));
    w.membership('ends-tomorrow', { id: 'et', start: '2025-01-01', end: at(1) }).checkin(
      'ends-tomorrow',
      at(-60),
    );
    w.membership('frozen', { id: 'f', start: '2025-01-01', freezes: [{ on: at(-40), until: at(20) }] });
    w.checkin('frozen', at(-45));
    w.membership('thawed', { id: 't', start: '2025-01-01', freezes: [{ on: at(-90), until: at(-50) }] });
    w.checkin('thawed', at(-95));
    w.membership('visits-after-as-of', { id: 'v', start: '2025-01-01' }).checkin(
      'visits-after-as-of',
      at(-35),
    );
    w.checkin('visits-after-as-of', at(2));
    w.checkin('never-a-member', at(-60));
  });

  it('flags from the 30th day without a visit, never at 29', () => {
    expect(cases.flagged()).toEqual([
      'ends-tomorrow',
      'last-visit-30',
      'last-visit-31',
      'new-member-30',
      'scenario-positive',
      'thawed',
      'visits-after-as-of',
    ]);
  });

  it('dates the flag on the day the member became lapsed', () => {
    expect(cases.flagDate('last-visit-30')).toBe(AS_OF);
    expect(cases.flagDate('last-visit-31')).toBe(at(-1));
    expect(cases.details('last-visit-31')).toMatchObject({ days_since_visit: 31, last_visit_date: at(-31) });
    expect(cases.details('new-member-30')).toMatchObject({ days_since_visit: 30, last_visit_date: null });
  });
});

describe('churn_risk: visits in the last 28 days at most 0.35 of the rate of the 56 before, baseline of 6+', () => {
  const cases = ruleCases('churn_risk', (w) => {
    const member = (c: string, start = '2025-01-01') => w.membership(c, { id: `m-${c}`, start });
    // 6 baseline visits and 1 recent: 1 × 56 <= 0.35 × 6 × 28 (58.8).
    member('baseline-6-recent-1')
      .checkins('baseline-6-recent-1', at(-30), 6, 7)
      .checkin('baseline-6-recent-1', at(-3));
    member('baseline-5-recent-0').checkins('baseline-5-recent-0', at(-30), 5, 7);
    member('baseline-6-recent-2').checkins('baseline-6-recent-2', at(-30), 6, 7);
    w.checkin('baseline-6-recent-2', at(-3)).checkin('baseline-6-recent-2', at(-10));
    // The recent window starts 27 days back: a visit on day -27 is recent, on day -28 baseline.
    member('visit-on-day-27').checkins('visit-on-day-27', at(-30), 6, 7).checkin('visit-on-day-27', at(-27));
    w.checkin('visit-on-day-27', at(-3));
    member('visit-on-day-28').checkins('visit-on-day-28', at(-30), 6, 7).checkin('visit-on-day-28', at(-28));
    w.checkin('visit-on-day-28', at(-3));
    // The baseline starts 83 days back: a sixth visit on day -84 is outside it.
    member('sixth-on-day-83').checkins('sixth-on-day-83', at(-30), 5, 7).checkin('sixth-on-day-83', at(-83));
    member('sixth-on-day-84').checkins('sixth-on-day-84', at(-30), 5, 7).checkin('sixth-on-day-84', at(-84));
    member('joined-mid-baseline', at(-80)).checkins('joined-mid-baseline', at(-30), 8, 5);
    member('joined-at-baseline-start', at(-83)).checkins('joined-at-baseline-start', at(-30), 8, 5);
    member('froze-in-window').checkins('froze-in-window', at(-30), 8, 5);
    w.membership('froze-in-window', {
      id: 'fz',
      start: '2025-01-01',
      freezes: [{ on: at(-20), until: at(-5) }],
    });
    w.checkins('not-a-member', at(-30), 8, 5);
    member('steady').checkins('steady', AS_OF, 12, 7);
  });

  it('flags a falling rate and leaves steady, thin or interrupted histories alone', () => {
    expect(cases.flagged()).toEqual([
      'baseline-6-recent-1',
      'joined-at-baseline-start',
      'scenario-positive',
      'sixth-on-day-83',
      'visit-on-day-28',
    ]);
  });

  it('reports the counts it compared', () => {
    expect(cases.details('baseline-6-recent-1')).toMatchObject({
      recent_visits: 1,
      baseline_visits: 6,
      expected_recent_visits: 3,
      last_visit_date: at(-3),
    });
    expect(cases.flagDate('baseline-6-recent-1')).toBe(AS_OF);
  });
});

describe('churn_risk thresholds come from the configuration', () => {
  const cases = ruleCases(
    'churn_risk',
    (w) => {
      w.membership('baseline-4-recent-1', { id: 'b4', start: '2025-01-01' });
      w.checkins('baseline-4-recent-1', at(-30), 4, 7).checkin('baseline-4-recent-1', at(-3));
    },
    { min_baseline_visits: 4, max_ratio: 0.5 },
  );

  it('flags a thinner baseline when the minimum is lowered', () => {
    expect(cases.flagged()).toContain('baseline-4-recent-1');
  });
});

describe("predicted_churn: the churn model's probability at the day, from 0.32", () => {
  const cases = ruleCases('predicted_churn', (w) => {
    w.churnScore('at-threshold', AS_OF, 0.32).churnScore('just-below', AS_OF, 0.3199);
    // Scored high on another day only: a score is read on its own day, never carried over.
    w.churnScore('scored-yesterday', at(-1), 0.9).churnScore('scored-tomorrow', at(1), 0.9);
  });

  it('flags a score at or above the threshold on the day itself', () => {
    expect(cases.flagged()).toEqual(['at-threshold', 'scenario-positive']);
  });

  it('carries the probability and the reasons into the flag', () => {
    expect(cases.flagDate('at-threshold')).toBe(AS_OF);
    expect(cases.details('at-threshold')).toMatchObject({
      probability: 0.32,
      risk_band: 'high',
      reasons: ['visits down 60% vs their usual rate'],
      description: 'Churn probability 32% within 90 days: visits down 60% vs their usual rate',
    });
  });
});

describe('predicted_churn threshold comes from the configuration', () => {
  const cases = ruleCases('predicted_churn', (w) => w.churnScore('at-0.2', AS_OF, 0.2), {
    min_probability: 0.15,
  });

  it('flags a lower score when the threshold is lowered', () => {
    expect(cases.flagged()).toEqual(['at-0.2', 'scenario-positive']);
  });
});

describe('no_email: active in the last 180 days without an email', () => {
  const cases = ruleCases('no_email', (w) => {
    w.customer('active-179', { email: null }).checkin('active-179', at(-179));
    w.customer('active-180', { email: null }).checkin('active-180', at(-180));
    w.customer('child', { email: null, householdId: 'fam', isMinor: true, firstName: 'Kid' }).checkin(
      'child',
      at(-3),
    );
    w.customer('parent', {
      email: 'parent@example.net',
      householdId: 'fam',
      firstName: 'Alex',
      lastName: 'Parent',
    });
    w.customer('has-email').checkin('has-email', at(-3));
    w.customer('future-only', { email: null }).checkin('future-only', at(3));
  });

  it('flags only customers without email seen inside the window', () => {
    expect(cases.flagged()).toEqual(['active-179', 'child', 'scenario-positive']);
  });

  it('names a household contact when there is one', () => {
    expect(cases.details('child')).toMatchObject({
      has_household_contact: true,
      household_contact_customer_id: 'parent',
      household_contact_email: 'parent@example.net',
      household_contact_name: 'Alex Parent',
    });
    expect(cases.details('active-179')).toMatchObject({ has_household_contact: false });
    expect(cases.flagDate('child')).toBe(at(-3));
  });
});

describe('purchase_without_account: a day pass in the last 30 days and no Capitan account by then', () => {
  const cases = ruleCases('purchase_without_account', (w) => {
    w.customer('bought-29', { capitan: null }).event('bought-29', 'day_pass_purchase', at(-29));
    w.customer('bought-30', { capitan: null }).event('bought-30', 'day_pass_purchase', at(-30));
    w.customer('has-account').event('has-account', 'day_pass_purchase', at(-1));
    w.customer('account-later', { capitan: { id: '777', createdOn: at(5) } });
    w.event('account-later', 'day_pass_purchase', at(-1));
    w.customer('retail-only', { capitan: null }).event('retail-only', 'retail_purchase', at(-1));
    w.event(null, 'day_pass_purchase', at(-1));
  });

  it('flags buyers without an account at the date', () => {
    expect(cases.flagged()).toEqual(['account-later', 'bought-29', 'scenario-positive']);
    expect(cases.details('bought-29')).toMatchObject({ purchase_count: 1, last_purchase_date: at(-29) });
  });
});

describe('ready_for_membership: a day pass in the last 14 days and never a member', () => {
  const cases = ruleCases('ready_for_membership', (w) => {
    w.event('pass-13', 'day_pass_purchase', at(-13));
    w.event('pass-14', 'day_pass_purchase', at(-14));
    w.event('two-passes', 'day_pass_purchase', at(-2)).event('two-passes', 'day_pass_purchase', at(-9));
    w.event('renewed-long-ago', 'day_pass_purchase', at(-2)).event(
      'renewed-long-ago',
      'membership_renewal',
      '2024-03-01',
    );
    w.event('family-member', 'day_pass_purchase', at(-2)).membership('family-member', {
      id: 'fm',
      start: '2024-01-01',
      end: '2024-06-01',
      isOwner: false,
    });
    w.event('joins-later', 'day_pass_purchase', at(-2)).event('joins-later', 'membership_purchase', at(3));
  });

  it('flags recent day-pass buyers who have never held a membership', () => {
    expect(cases.flagged()).toEqual(['joins-later', 'pass-13', 'scenario-positive', 'two-passes']);
    expect(cases.details('two-passes')).toMatchObject({
      day_pass_count_last_14_days: 2,
      most_recent_day_pass_date: at(-2),
      days_since_last_pass: 2,
    });
  });
});

describe('first_time_day_pass: a day-pass check-in in the last 3 days, none in the 60 before it, not a member', () => {
  const cases = ruleCases('first_time_day_pass', (w) => {
    w.checkin('visit-2', at(-2), { dayPass: true });
    w.checkin('visit-3', at(-3), { dayPass: true });
    w.checkin('break-59', at(-1), { dayPass: true }).checkin('break-59', at(-60), { dayPass: true });
    w.checkin('break-60', at(-1), { dayPass: true }).checkin('break-60', at(-61), { dayPass: true });
    w.checkin('member-visit-before', at(-1), { dayPass: true }).checkin('member-visit-before', at(-20));
    w.checkin('member', at(-1), { dayPass: true }).membership('member', { id: 'mm', start: '2025-01-01' });
    w.checkin('not-a-day-pass', at(-1));
  });

  it('flags first-timers and returners after a 60-day break', () => {
    expect(cases.flagged()).toEqual(['break-60', 'member-visit-before', 'scenario-positive', 'visit-2']);
    expect(cases.details('break-60')).toMatchObject({
      days_since_checkin: 1,
      days_since_previous_checkin: 60,
      returning_after_break: true,
      total_day_pass_checkins: 2,
    });
    expect(cases.details('visit-2')).toMatchObject({
      returning_after_break: false,
      days_since_previous_checkin: null,
    });
  });
});

describe('2_week_pass_purchase: a 2-week pass started in the last 14 days, not yet converted', () => {
  const cases = ruleCases('2_week_pass_purchase', (w) => {
    w.membership('started-13', { id: 'a', name: '2-Week Climbing Pass', start: at(-13) });
    w.membership('started-14', { id: 'b', name: '2-Week Climbing Pass', start: at(-14) });
    w.membership('spelled-out', { id: 'c', name: 'Two Week Trial', start: at(-1) });
    w.membership('converted', { id: 'd', name: '2 Week Pass', start: at(-10) });
    w.membership('converted', { id: 'e', name: 'Solo Weekly', start: at(-2) });
    w.membership('regular', { id: 'f', name: 'Solo Weekly', start: at(-2) });
    w.membership('starts-later', { id: 'g', name: '2-Week Climbing Pass', start: at(2) });
  });

  it('flags recent 2-week passes that have not turned into a membership', () => {
    expect(cases.flagged()).toEqual(['scenario-positive', 'spelled-out', 'started-13']);
    expect(cases.details('started-13')).toMatchObject({ days_since_start: 13, membership_id: 'a' });
  });
});

describe('membership_cancelled_winback: a membership ended in the last 7 days and no membership now', () => {
  const cases = ruleCases('membership_cancelled_winback', (w) => {
    w.membership('ended-6', { id: 'a', start: '2025-01-01', end: at(-6) });
    w.membership('ended-7', { id: 'b', start: '2025-01-01', end: at(-7) });
    w.membership('switched', { id: 'c', start: '2025-01-01', end: at(-3) });
    w.membership('switched', { id: 'd', start: at(-3) });
    w.membership('second-running', { id: 'e', start: '2025-01-01', end: at(-3) });
    w.membership('second-running', { id: 'f', start: '2025-06-01' });
    w.membership('pass-ran-out', { id: 'g', name: '2-Week Climbing Pass', start: at(-17), end: at(-3) });
    w.customer('child-member', { isMinor: true });
    w.membership('child-member', { id: 'h', start: '2025-01-01', end: at(-3), isOwner: false });
    w.membership('ends-later', { id: 'i', start: '2025-01-01', end: at(3) });
  });

  it('flags adults who left, not switches, second memberships, passes that ran out or children', () => {
    expect(cases.flagged()).toEqual(['ended-6', 'scenario-positive']);
    expect(cases.flagDate('ended-6')).toBe(at(-6));
    expect(cases.details('ended-6')).toMatchObject({
      days_since_cancellation: 6,
      cancelled_membership_id: 'a',
    });
  });
});

describe('active_membership: on a running, unfrozen membership', () => {
  const cases = ruleCases('active_membership', (w) => {
    w.membership('ends-today', { id: 'a', start: '2025-01-01', end: AS_OF });
    w.membership('ends-tomorrow', { id: 'b', start: '2025-01-01', end: at(1) });
    w.membership('starts-today', { id: 'c', start: AS_OF });
    w.membership('starts-tomorrow', { id: 'd', start: at(1) });
    w.membership('frozen', { id: 'e', start: '2025-01-01', freezes: [{ on: at(-5), until: at(5) }] });
    w.membership('thaws-today', { id: 'f', start: '2025-01-01', freezes: [{ on: at(-5), until: AS_OF }] });
  });

  it('holds from the start day up to the day before the end, and not while frozen', () => {
    expect(cases.flagged()).toEqual(['ends-tomorrow', 'scenario-positive', 'starts-today', 'thaws-today']);
  });
});

it('every rule in the catalogue has a positive and a negative scenario', async () => {
  expect(Object.keys(SCENARIOS).sort()).toEqual([...(await discoverRules()).map((r) => r.name)].sort());
});
