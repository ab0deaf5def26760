/**
 * What the sandbox gym sells and runs, with the real gym's names (see original-system.md §1.3-1.5,
 * §2.2). Prices are plausible, not the real gym's.
 */
import type { CapitanInterval } from '../dataset.ts';

export const GYM_NAME = 'Basin Climbing & Fitness';
export const CAPITAN_LOCATION = { id: 1, name: GYM_NAME } as const;
export const SQUARE_LOCATION_ID = 'L37KDMNNG84EA';
export const CAPITAN_API_BASE = 'https://api.hellocapitan.com/api/';
export const INSTAGRAM_USERNAME = 'basinclimbing';

export type PlanKind =
  | 'standard'
  | 'founders'
  | 'college'
  | 'midday'
  | 'team'
  | 'promo90'
  | 'twoWeek'
  | 'staff'
  | 'fitness';

export interface Plan {
  /** Capitan membership type id (`membership_id`). */
  id: number;
  name: string;
  interval: CapitanInterval;
  /** Dollars per bill. */
  price: number;
  /** How many people it covers: 1 solo, 2 duo, up to 6 family. */
  maxPeople: number;
  family: boolean;
  kind: PlanKind;
  /** Fixed term in days for prepaid plans that do not renew. */
  termDays: number | null;
  /** Sold only in this window, in days after the gym's opening (the real gym's dates for the default asOf). */
  soldFromDay?: number;
  soldUntilDay?: number;
}

export const PLANS: readonly Plan[] = [
  {
    id: 101,
    name: 'Solo Weekly',
    interval: 'BWK',
    price: 38,
    maxPeople: 1,
    family: false,
    kind: 'standard',
    termDays: null,
  },
  {
    id: 102,
    name: 'Duo Weekly',
    interval: 'BWK',
    price: 68,
    maxPeople: 2,
    family: false,
    kind: 'standard',
    termDays: null,
  },
  {
    id: 103,
    name: 'Family Weekly',
    interval: 'BWK',
    price: 92,
    maxPeople: 6,
    family: true,
    kind: 'standard',
    termDays: null,
  },
  {
    id: 104,
    name: 'Solo Annual',
    interval: 'YRL',
    price: 780,
    maxPeople: 1,
    family: false,
    kind: 'standard',
    termDays: 365,
  },
  {
    id: 105,
    name: 'Family Annual',
    interval: 'YRL',
    price: 1850,
    maxPeople: 6,
    family: true,
    kind: 'standard',
    termDays: 365,
  },
  {
    id: 106,
    name: 'College Student Monthly',
    interval: 'MON',
    price: 55,
    maxPeople: 1,
    family: false,
    kind: 'college',
    termDays: null,
  },
  {
    id: 107,
    name: 'Student Monthly',
    interval: 'MON',
    price: 60,
    maxPeople: 1,
    family: false,
    kind: 'college',
    termDays: null,
  },
  {
    id: 108,
    name: 'Founders - Solo',
    interval: 'MON',
    price: 65,
    maxPeople: 1,
    family: false,
    kind: 'founders',
    termDays: null,
    soldUntilDay: 14,
  },
  {
    id: 109,
    name: 'Founders - Family',
    interval: 'MON',
    price: 145,
    maxPeople: 6,
    family: true,
    kind: 'founders',
    termDays: null,
    soldUntilDay: 14,
  },
  {
    id: 110,
    name: 'Mid Day Discounted -Solo',
    interval: 'BWK',
    price: 28,
    maxPeople: 1,
    family: false,
    kind: 'midday',
    termDays: null,
  },
  {
    id: 111,
    name: 'Mid Day Membership - Family',
    interval: 'BWK',
    price: 70,
    maxPeople: 6,
    family: true,
    kind: 'midday',
    termDays: null,
  },
  {
    id: 112,
    name: 'Youth Rec Team Dues',
    interval: 'MON',
    price: 120,
    maxPeople: 1,
    family: false,
    kind: 'team',
    termDays: null,
  },
  {
    id: 113,
    name: 'Youth Development Team Dues',
    interval: 'MON',
    price: 165,
    maxPeople: 1,
    family: false,
    kind: 'team',
    termDays: null,
  },
  {
    id: 114,
    name: 'Youth Comp Team Dues',
    interval: 'MON',
    price: 210,
    maxPeople: 1,
    family: false,
    kind: 'team',
    termDays: null,
  },
  {
    id: 115,
    name: '$90 for 90 - Solo',
    interval: '3MO',
    price: 90,
    maxPeople: 1,
    family: false,
    kind: 'promo90',
    termDays: 90,
    soldFromDay: 212,
    soldUntilDay: 364,
  },
  {
    id: 116,
    name: '$90 for 90 - Family',
    interval: '3MO',
    price: 180,
    maxPeople: 6,
    family: true,
    kind: 'promo90',
    termDays: 90,
    soldFromDay: 212,
    soldUntilDay: 364,
  },
  {
    id: 117,
    name: '2-Week Climbing Pass',
    interval: 'BWK',
    price: 49,
    maxPeople: 1,
    family: false,
    kind: 'twoWeek',
    termDays: 14,
    soldFromDay: 426,
  },
  {
    id: 118,
    name: 'BCF Staff',
    interval: 'BWK',
    price: 0,
    maxPeople: 1,
    family: false,
    kind: 'staff',
    termDays: null,
  },
  {
    id: 119,
    name: 'Fitness Only- Unlimited',
    interval: 'MON',
    price: 45,
    maxPeople: 1,
    family: false,
    kind: 'fitness',
    termDays: null,
  },
  {
    id: 120,
    name: 'TFNB Family Monthly',
    interval: 'MON',
    price: 120,
    maxPeople: 6,
    family: true,
    kind: 'standard',
    termDays: null,
  },
];

export interface EntryProduct {
  /** Capitan entry-pass name and Square variation name. */
  name: string;
  /** Square catalog item name. */
  squareItem: string;
  price: number;
  uses: number;
  youth: boolean;
  /** Whether the description carries `(n remaining)`. */
  showsRemaining: boolean;
}

export const DAY_PASS_ADULT_GEAR: EntryProduct = {
  name: 'Day Pass with Gear (Adult 14 and Up)',
  squareItem: 'Day Pass',
  price: 28,
  uses: 1,
  youth: false,
  showsRemaining: true,
};
export const DAY_PASS_ADULT: EntryProduct = {
  name: 'Day Pass (Adult 14 and Up)',
  squareItem: 'Day Pass',
  price: 22,
  uses: 1,
  youth: false,
  showsRemaining: false,
};
export const DAY_PASS_YOUTH_GEAR: EntryProduct = {
  name: 'Youth Day Pass with Gear (Under 14 y/o)',
  squareItem: 'Day Pass',
  price: 22,
  uses: 1,
  youth: true,
  showsRemaining: true,
};
export const PUNCH_PASS: EntryProduct = {
  name: '5 Climb Punch Pass 60 Days',
  squareItem: 'Punch Pass',
  price: 105,
  uses: 5,
  youth: false,
  showsRemaining: true,
};

export interface RetailItem {
  name: string;
  variation: string;
  price: number;
}

export const RETAIL_ITEMS: readonly RetailItem[] = [
  { name: 'Chalk', variation: 'Loose Chalk 8oz', price: 9 },
  { name: 'Chalk', variation: 'Liquid Chalk', price: 14 },
  { name: 'Chalk Bag', variation: 'Basin Logo', price: 24 },
  { name: 'Shoe Rental', variation: 'Regular', price: 6 },
  { name: 'Harness Rental', variation: 'Regular', price: 4 },
  { name: 'Gatorade', variation: 'Cool Blue', price: 3 },
  { name: 'Clif Bar', variation: 'Chocolate Chip', price: 3 },
  { name: 'Cold Brew', variation: 'Regular', price: 5 },
  { name: 'Basin T-Shirt', variation: 'Medium', price: 28 },
  { name: 'Basin T-Shirt', variation: 'Large', price: 28 },
  { name: 'Climbing Tape', variation: '1 inch', price: 6 },
  { name: 'Climbing Shoes', variation: 'La Sportiva Tarantulace 42', price: 95 },
  { name: 'Water Bottle', variation: 'Basin 24oz', price: 18 },
];

export interface EventType {
  id: number;
  name: string;
  /** Stripe description used when this event is booked online. */
  stripeDescription: string;
  price: number;
  capacity: number;
  durationHours: number;
}

export const EVENT_TYPES: readonly EventType[] = [
  {
    id: 501,
    name: 'Basin 2 Hour Birthday Party',
    stripeDescription: '[Calendly] Basin 2 Hour Birthday Party',
    price: 250,
    capacity: 12,
    durationHours: 2,
  },
  {
    id: 502,
    name: 'Summer Camp',
    stripeDescription: 'Summer Camp',
    price: 285,
    capacity: 24,
    durationHours: 6,
  },
  {
    id: 503,
    name: 'Intro to Bouldering Class',
    stripeDescription: 'Intro to Bouldering Class',
    price: 35,
    capacity: 10,
    durationHours: 1.5,
  },
  {
    id: 504,
    name: 'Belay Certification Class',
    stripeDescription: 'Belay Certification Class',
    price: 40,
    capacity: 8,
    durationHours: 1.5,
  },
  {
    id: 505,
    name: 'HYROX CLASS',
    stripeDescription: 'HYROX CLASS',
    price: 25,
    capacity: 16,
    durationHours: 1,
  },
  {
    id: 506,
    name: '6 Week Transformation',
    stripeDescription: '6 Week Transformation Program',
    price: 199,
    capacity: 20,
    durationHours: 1,
  },
  {
    id: 507,
    name: 'Climbing Technique Clinic',
    stripeDescription: 'Climbing Technique Clinic',
    price: 45,
    capacity: 10,
    durationHours: 2,
  },
  {
    id: 508,
    name: 'Yoga for Climbers',
    stripeDescription: 'Yoga for Climbers Class',
    price: 18,
    capacity: 15,
    durationHours: 1,
  },
  {
    id: 509,
    name: 'Boulder Bash',
    stripeDescription: 'Boulder Bash Comp Registration',
    price: 30,
    capacity: 80,
    durationHours: 4,
  },
  {
    id: 510,
    name: 'Strength Training Workout',
    stripeDescription: 'Strength Training Workout Class',
    price: 20,
    capacity: 14,
    durationHours: 1,
  },
];

export const ASSOCIATION_NAMES: readonly string[] = [
  'Active Member',
  'Founders Team',
  'Baylor Student',
  'Military',
  'First Responders',
  'Teachers',
  'Youth Rec Team',
  'Youth Development Team',
  'Youth Comp Team',
  'Route Setters',
  'BCF Staff',
  'Corporate - TFNB',
  'MCC Student',
  'Homeschool Group',
  'Scout Troop 334',
  'Waco Outdoor Club',
  'Ladies Who Crush',
  'Adaptive Climbers',
  'Baylor Climbing Club',
  'Healthcare Workers',
  'Seniors 60+',
  'Summer Camp Staff',
  'Birthday Party Hosts',
  'Punch Pass Holders',
  'HYROX Crew',
  'Community Partners',
  'Influencers',
];

export const FREE_ENTRY_REASONS: readonly (readonly [string, number])[] = [
  ['Free Climb Promo', 30],
  ['Staff Comp', 20],
  ['First Visit Free (Friend Referral)', 18],
  ['Make-up Visit', 10],
  ['Front Desk Error', 8],
  ['Community Night', 14],
];

export const DECLINES: readonly (readonly [{ code: string; decline: string; message: string }, number])[] = [
  [
    { code: 'card_declined', decline: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    34,
  ],
  [{ code: 'card_declined', decline: 'do_not_honor', message: 'Your card was declined.' }, 21],
  [{ code: 'card_declined', decline: 'generic_decline', message: 'Your card was declined.' }, 20],
  [{ code: 'card_declined', decline: 'invalid_account', message: 'Your card was declined.' }, 9],
  [{ code: 'incorrect_number', decline: 'incorrect_number', message: 'Your card number is incorrect.' }, 7],
  [
    {
      code: 'card_declined',
      decline: 'card_velocity_exceeded',
      message:
        'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.',
    },
    9,
  ],
];
