/**
 * A household's plan before it is written down: the memberships it will hold and the day-pass
 * sessions it will make. Email offers edit this plan (adding or discounting purchases) before the
 * ledger renders it into records.
 */
import type { Plan } from './catalog.ts';
import type { MembershipEndReason } from './facts.ts';
import type { Promo } from './ledger.ts';
import type { Person } from './people.ts';
import type { Rng } from './prng.ts';
import type { GymClock } from './time.ts';

export interface MembershipPlan {
  plan: Plan;
  owner: Person;
  members: Person[];
  payer: Person;
  /** Purchase instant (the membership's `created_at`). */
  boughtAt: number;
  startDay: number;
  /** Last day covered + 1 (END from this day), or null when it runs past the horizon. */
  plannedEndDay: number | null;
  reason: MembershipEndReason | null;
  promo?: Promo;
  /** Visits stop after this day although the membership runs on (a lapsed member). */
  lapseAfterDay: number | null;
  /** Weeks over which visits fade before a churn. */
  fadeDays: number;
}

export interface SessionPlan {
  people: Person[];
  payer: Person;
  day: number;
  free: boolean;
  promo?: Promo;
  /** The payer buys a 5-climb punch pass at this session; later sessions use it. */
  buysPunchPass: boolean;
}

export interface RetailPlan {
  payer: Person;
  day: number;
  promo: Promo;
}

export interface HouseholdPlan {
  memberships: MembershipPlan[];
  sessions: SessionPlan[];
  retail: RetailPlan[];
}

/** Weekday (0 = Sunday) of a local day number. */
export const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7;

const WEEKDAY_HOURS: readonly (readonly [number, number])[] = [
  [6, 5],
  [7, 5],
  [8, 3],
  [9, 3],
  [10, 3],
  [11, 4],
  [12, 6],
  [13, 4],
  [14, 3],
  [15, 5],
  [16, 9],
  [17, 14],
  [18, 15],
  [19, 12],
  [20, 7],
  [21, 3],
];
const WEEKEND_HOURS: readonly (readonly [number, number])[] = [
  [9, 7],
  [10, 11],
  [11, 12],
  [12, 11],
  [13, 11],
  [14, 11],
  [15, 10],
  [16, 9],
  [17, 7],
  [18, 4],
  [19, 2],
];

/** An instant during opening hours on a local day, busiest on weekday evenings. */
export function visitInstant(rng: Rng, clock: GymClock, day: number): number {
  const weekday = weekdayOf(day);
  const hour = rng.weighted(weekday === 0 || weekday === 6 ? WEEKEND_HOURS : WEEKDAY_HOURS);
  return clock.atLocalDay(day, hour, rng.int(0, 59), rng.int(0, 59), rng.int(0, 999));
}

/** Relative chance of a visit on a weekday (weekends busier for families, Fridays quieter). */
export const WEEKDAY_WEIGHT: readonly number[] = [1.2, 1.0, 1.05, 1.1, 1.05, 0.75, 1.3];
