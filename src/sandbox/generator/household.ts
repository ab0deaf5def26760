/**
 * One household unit of the sandbox gym, generated from (seed, index) alone: who lives there, what
 * they do at the gym (day passes, memberships, parties, camps, classes, retail), the guests and
 * friends they bring (satellite households), how they answer email, and every record it leaves in
 * Capitan, Stripe, Square and Mailchimp, with the truth behind each.
 */
import type { PersonTruth } from '../dataset.ts';
import { runAudience, type Subscriber } from './audience.ts';
import {
  DAY_PASS_ADULT,
  DAY_PASS_ADULT_GEAR,
  DAY_PASS_YOUTH_GEAR,
  type EntryProduct,
  EVENT_TYPES,
  FREE_ENTRY_REASONS,
  PLANS,
  type Plan,
  PUNCH_PASS,
  RETAIL_ITEMS,
} from './catalog.ts';
import { arrivalDay, type GenContext, type IdCounters } from './context.ts';
import type { HouseholdOutput, MembershipFact } from './facts.ts';
import { Ledger, type Promo, type SaleLine } from './ledger.ts';
import { alignedEnd, renderMembership } from './memberships.ts';
import {
  ageOn,
  birthDayForAge,
  fullName,
  makePerson,
  type Person,
  personalEmail,
  randomPhone,
  typoEmail,
  workEmail,
} from './people.ts';
import { Rng } from './prng.ts';
import { type HouseholdPlan, type MembershipPlan, visitInstant, weekdayOf } from './schedule.ts';
import { DAY_MS } from './time.ts';

export type Archetype =
  | 'staff'
  | 'founder'
  | 'visitor'
  | 'member'
  | 'couple'
  | 'family'
  | 'student'
  | 'newsletter';

/** Noise planted at fixed positions so even the tiny gym shows every kind. */
export type PlantedNoise =
  | 'maiden'
  | 'srjr'
  | 'twins'
  | 'duplicate'
  | 'work-email'
  | 'parent-pays'
  | 'old-email'
  | 'typo';
const PLANTED: readonly PlantedNoise[] = [
  'maiden',
  'srjr',
  'twins',
  'duplicate',
  'work-email',
  'parent-pays',
  'old-email',
  'typo',
];

function plantedAt(ctx: GenContext, index: number): PlantedNoise | null {
  // Spread over the first half of the arrival order, skipping the presale.
  for (let k = 0; k < PLANTED.length; k++) {
    if (index === Math.floor((ctx.householdCount * (k + 2)) / (2 * (PLANTED.length + 2))))
      return PLANTED[k] ?? null;
  }
  return null;
}

/**
 * The product mix (README, "The sandbox gym's product mix"). Weights of the `trial` style (a 2-week
 * pass after a visit or two) beside once 62, returner 26 and converter 8–13: about one first-time
 * day-pass visitor in ten takes a 2-week pass once it is on sale. Families take it less often (one
 * parent's pass, the children on day passes). A quarter of the adults who come as visitors,
 * students or couples start with an intro class.
 */
const TRIAL = 30;
const FAMILY_TRIAL = 10;
const INTRO_CLASS_SHARE = 0.25;
const INTRO_CLASSES = ['Intro to Bouldering Class', 'Belay Certification Class'];

const findPlan = (name: string): Plan => {
  const plan = PLANS.find((p) => p.name === name);
  if (!plan) throw new Error(`unknown plan ${name}`);
  return plan;
};

/** The unit being generated: its randomness, people, plan and ledger. */
class Unit {
  readonly people: Person[] = [];
  readonly plan: HouseholdPlan = { memberships: [], sessions: [], retail: [] };
  readonly ledger: Ledger;
  readonly visitDays = new Map<string, number[]>();
  readonly membershipFacts = new Map<MembershipPlan, MembershipFact>();
  /** A newcomer whose first contact is an intro class, booked online before any visit. */
  introClass: { person: Person; day: number } | null = null;
  private satelliteCount = 0;
  readonly compose: Rng;
  readonly behave: Rng;
  readonly render: Rng;

  constructor(
    readonly ctx: GenContext,
    readonly ids: IdCounters,
    readonly householdId: string,
    root: Rng,
  ) {
    this.compose = root.fork('people');
    this.behave = root.fork('plan');
    this.render = root.fork('render');
    this.ledger = new Ledger(ctx, ids, root.fork('records'));
  }

  // ---------- people ----------

  adult(
    arrival: number,
    spec: { minAge?: number; maxAge?: number; lastName?: string; sex?: 'M' | 'F'; student?: boolean } = {},
  ): Person {
    const rng = this.compose;
    const p = makePerson(rng, `${this.householdId}-p${this.people.length}`, this.householdId, {
      birthDay: birthDayForAge(rng, arrival, spec.minAge ?? 19, spec.maxAge ?? 60),
      ...(spec.lastName ? { lastName: spec.lastName } : {}),
      ...(spec.sex ? { sex: spec.sex } : {}),
    });
    this.giveContacts(p, spec.student ?? false);
    this.people.push(p);
    return p;
  }

  child(arrival: number, guardian: Person, minAge: number, maxAge: number): Person {
    const rng = this.compose;
    const p = makePerson(rng, `${this.householdId}-p${this.people.length}`, this.householdId, {
      birthDay: birthDayForAge(rng, arrival, minAge, maxAge),
      lastName: guardian.lastName,
      guardian,
    });
    const age = ageOn(p, arrival);
    // Only about one child in seven has an address on file, and often it is the parent's.
    if (age >= 13 && rng.chance(0.26)) p.email = personalEmail(rng, p.first.name, p.lastName);
    else if (rng.chance(0.07) && guardian.email) {
      p.email = guardian.email;
      p.emailIsShared = true;
    }
    if (guardian.phone && rng.chance(0.55)) p.phone = guardian.phone;
    else if (age >= 13 && rng.chance(0.3)) p.phone = randomPhone(rng);
    p.marketingOptIn = p.email !== null && !p.emailIsShared && rng.chance(0.3);
    this.people.push(p);
    return p;
  }

  private giveContacts(p: Person, student: boolean): void {
    const rng = this.compose;
    if (rng.chance(0.94)) p.email = personalEmail(rng, p.first.name, p.lastName, student);
    if (rng.chance(0.86)) p.phone = randomPhone(rng);
    if (p.email && rng.chance(0.05)) p.oldEmail = personalEmail(rng, p.first.name, p.lastName);
    if (rng.chance(0.06)) p.workEmail = workEmail(rng, p.first.name, p.lastName);
  }

  /** A person from outside the household (a guest, a friend, a party guest): their own true household. */
  satellite(arrival: number, kind: 'adult' | 'kid'): Person {
    const rng = this.render;
    const hid = `${this.householdId}-s${this.satelliteCount++}`;
    const p = makePerson(rng, `${hid}-p0`, hid, {
      birthDay: kind === 'adult' ? birthDayForAge(rng, arrival, 18, 45) : birthDayForAge(rng, arrival, 5, 12),
    });
    if (kind === 'adult') {
      if (rng.chance(0.9)) p.email = personalEmail(rng, p.first.name, p.lastName);
      if (rng.chance(0.8)) p.phone = randomPhone(rng);
    } else {
      // A party guest's account carries the parent's contact details, not the child's.
      const parentFirst = makePerson(rng, `${hid}-parent`, hid, {
        birthDay: arrival - 40 * 365,
        lastName: p.lastName,
      });
      if (rng.chance(0.2)) {
        p.email = personalEmail(rng, parentFirst.first.name, p.lastName);
        p.emailIsShared = true;
      }
      if (rng.chance(0.6)) p.phone = randomPhone(rng);
      p.marketingOptIn = false;
    }
    this.people.push(p);
    return p;
  }

  // ---------- visits ----------

  checkin(
    p: Person,
    at: number,
    method: Parameters<Ledger['checkin']>[2],
    description: string,
    reason: string | null = null,
  ): void {
    this.ledger.checkin(p, at, method, description, reason);
    const days = this.visitDays.get(p.personId) ?? [];
    days.push(this.ctx.clock.localDay(at));
    this.visitDays.set(p.personId, days);
  }

  /** Adults pay for themselves; children's purchases are their guardian's. */
  payerOf(p: Person): Person {
    return p.guardian ?? p;
  }

  retailSale(payer: Person, at: number, promo?: Promo): void {
    const rng = this.render;
    const items = Array.from({ length: rng.chance(0.75) ? 1 : 2 }, () => rng.pick(RETAIL_ITEMS));
    const lines: SaleLine[] = items.map((item) => ({
      name: item.name,
      variation: item.variation,
      quantity: rng.chance(0.85) ? 1 : 2,
      unitCents: item.price * 100,
    }));
    const withCustomer = payer.email !== null && rng.chance(0.22);
    this.ledger.squareSale({
      payer,
      at: at + rng.int(60, 7_200) * 1000,
      lines,
      withCustomer,
      ...(promo ? { promo } : {}),
    });
  }
}

// ---------- composition ----------

function chooseArchetype(ctx: GenContext, rng: Rng, index: number, arrival: number): Archetype {
  if (index < 3) return 'staff';
  if (arrival < ctx.openingDay) return 'founder';
  return rng.weighted<Archetype>([
    ['visitor', 35],
    ['member', 6],
    ['couple', 8],
    ['family', 36],
    ['student', 7],
    ['newsletter', 7],
  ]);
}

function plansOnSale(ctx: GenContext, day: number): (plan: Plan) => boolean {
  const sinceOpening = day - ctx.openingDay;
  return (plan) =>
    (plan.soldFromDay === undefined || sinceOpening >= plan.soldFromDay) &&
    (plan.soldUntilDay === undefined || sinceOpening <= plan.soldUntilDay);
}

type Size = 'solo' | 'duo' | 'family' | 'student';

function choosePlan(ctx: GenContext, rng: Rng, size: Size, day: number, converting: boolean): Plan {
  const onSale = plansOnSale(ctx, day);
  const options: [string, number][] =
    size === 'family'
      ? [
          ['Family Weekly', 60],
          ['Family Annual', 14],
          ['TFNB Family Monthly', 12],
          ['Mid Day Membership - Family', 5],
          ['$90 for 90 - Family', 40],
          ['Founders - Family', 100],
        ]
      : size === 'duo'
        ? [
            ['Duo Weekly', 80],
            ['Founders - Solo', 30],
          ]
        : size === 'student'
          ? [
              ['College Student Monthly', 70],
              ['Student Monthly', 25],
              ['2-Week Climbing Pass', converting ? 20 : 0],
            ]
          : [
              ['Solo Weekly', 50],
              ['Solo Annual', 12],
              ['Mid Day Discounted -Solo', 8],
              ['Fitness Only- Unlimited', 5],
              ['$90 for 90 - Solo', 45],
              ['2-Week Climbing Pass', converting ? 25 : 4],
              ['Founders - Solo', 100],
            ];
  const available = options
    .map(([name, w]) => [findPlan(name), w] as const)
    .filter(([plan, w]) => w > 0 && onSale(plan) && (plan.kind !== 'founders' || day < ctx.openingDay));
  const weekly = size === 'family' ? 'Family Weekly' : size === 'duo' ? 'Duo Weekly' : 'Solo Weekly';
  return available.length > 0 ? rng.weighted(available) : findPlan(weekly);
}

/** Plans a membership and what follows it (a conversion after a promo, or a switch of plan). */
function planMembership(
  unit: Unit,
  args: {
    plan: Plan;
    owner: Person;
    members: Person[];
    payer: Person;
    startDay: number;
    boughtAt?: number;
    promo?: Promo;
  },
  depth = 0,
): void {
  const { ctx, behave: rng } = unit;
  const { plan, startDay } = args;
  if (startDay > ctx.horizonDay) return;
  let endDay: number;
  let reason: MembershipPlan['reason'];
  if (plan.kind === 'promo90' || plan.kind === 'twoWeek') {
    endDay = startDay + (plan.termDays ?? 14);
    reason = 'term';
  } else if (plan.kind === 'staff') {
    endDay = ctx.horizonDay + 400;
    reason = null;
  } else if (plan.kind === 'team') {
    endDay = alignedEnd(plan, startDay, rng.uniform(120, 520));
    reason = 'moved';
  } else if (plan.interval === 'YRL') {
    let years = 1;
    while (rng.chance(0.6)) years++;
    endDay = alignedEnd(plan, startDay, years * 365);
    reason = rng.chance(0.7) ? 'churn' : 'moved';
  } else {
    endDay = alignedEnd(plan, startDay, 25 + rng.exponential(plan.kind === 'founders' ? 750 : 520));
    reason = rng.chance(0.68) ? 'churn' : 'moved';
  }
  const activeAtAsOf = startDay <= ctx.asOfDay && endDay > ctx.asOfDay;
  const lapses = activeAtAsOf && ctx.asOfDay - startDay > 75 && plan.kind !== 'staff' && rng.chance(0.1);
  const boughtAt =
    args.boughtAt ??
    ctx.clock.atLocalDay(
      Math.min(startDay, ctx.horizonDay),
      rng.int(7, 20),
      rng.int(0, 59),
      rng.int(0, 59),
      rng.int(0, 999),
    );
  const mp: MembershipPlan = {
    plan,
    owner: args.owner,
    members: args.members,
    payer: args.payer,
    boughtAt,
    startDay,
    plannedEndDay: endDay,
    reason,
    lapseAfterDay: lapses ? ctx.asOfDay - rng.int(30, 110) : null,
    fadeDays: rng.int(35, 80),
    ...(args.promo ? { promo: args.promo } : {}),
  };
  unit.plan.memberships.push(mp);
  if (depth > 3 || endDay > ctx.horizonDay) return;
  const next = (p: Plan) =>
    planMembership(
      unit,
      { ...args, plan: p, startDay: endDay, boughtAt: undefined, promo: undefined },
      depth + 1,
    );
  const size: Size = args.members.length > 2 ? 'family' : args.members.length === 2 ? 'duo' : 'solo';
  if ((plan.kind === 'promo90' && rng.chance(0.22)) || (plan.kind === 'twoWeek' && rng.chance(0.22))) {
    next(choosePlan(ctx, rng, size, endDay, false));
  } else if (plan.kind !== 'team' && plan.kind !== 'staff' && rng.chance(0.07)) {
    mp.reason = 'switch';
    next(choosePlan(ctx, rng, size, endDay, false));
  }
}

type VisitStyle = 'once' | 'returner' | 'converter' | 'trial';

/**
 * Day-pass sessions of a visiting group: a one-timer, a returner, a converter who joins, or a
 * trial taker whose payer buys a 2-week pass after a visit or two.
 */
function planVisits(
  unit: Unit,
  group: Person[],
  payer: Person,
  firstDay: number,
  style: VisitStyle,
  size: Size,
): void {
  const { ctx, behave: rng } = unit;
  const count =
    style === 'once'
      ? 1
      : style === 'converter'
        ? rng.int(1, 4)
        : style === 'trial'
          ? rng.int(1, 2)
          : 2 + Math.min(12, Math.floor(rng.exponential(2.8)));
  let day = firstDay;
  for (let k = 0; k < count; k++) {
    if (day > ctx.horizonDay) return;
    const people =
      k === 0 || group.length === 1 ? group : group.filter((p) => p === payer || rng.chance(0.6));
    unit.plan.sessions.push({
      people,
      payer,
      day,
      free: rng.chance(k === 0 ? 0.3 : 0.1),
      buysPunchPass: style === 'returner' && k === 1 && rng.chance(0.35),
    });
    const gap =
      style === 'converter'
        ? rng.exponential(9)
        : style === 'trial'
          ? rng.exponential(5)
          : rng.exponential(40);
    day += Math.max(1, Math.round(gap));
  }
  if (style === 'converter') {
    const startDay = day + rng.int(0, 5);
    planMembership(unit, {
      plan: choosePlan(ctx, rng, size, startDay, true),
      owner: payer,
      members: group,
      payer,
      startDay,
    });
  } else if (style === 'trial') {
    planMembership(unit, {
      plan: findPlan('2-Week Climbing Pass'),
      owner: payer,
      members: [payer],
      payer,
      startDay: day + rng.int(0, 4),
    });
  }
}

/**
 * How a visiting group goes on after its first visit. Once the 2-week pass is on sale it is the
 * usual next step: `trial` is weighted so that about one first-time day-pass visitor in ten takes
 * one (README, "The sandbox gym's product mix").
 */
function visitorStyle(unit: Unit, day: number, weights: { converter: number; trial: number }): VisitStyle {
  const trial = plansOnSale(unit.ctx, day)(findPlan('2-Week Climbing Pass')) ? weights.trial : 0;
  const styles: [VisitStyle, number][] = [
    ['once', 62],
    ['returner', 26],
    ['converter', weights.converter],
    ['trial', trial],
  ];
  return unit.behave.weighted(styles.filter(([, w]) => w > 0));
}

/**
 * Some newcomers start with an intro class, booked online, and come back on day passes a few days
 * later: the day of their first visit.
 */
function afterIntroClass(unit: Unit, person: Person, arrival: number): number {
  if (!unit.behave.chance(INTRO_CLASS_SHARE)) return arrival;
  unit.introClass = { person, day: arrival };
  return arrival + unit.behave.int(2, 12);
}

function composeAndPlan(
  unit: Unit,
  archetype: Archetype,
  arrival: number,
  planted: PlantedNoise | null,
): Subscriber[] {
  const { ctx, behave: rng, compose } = unit;
  const subscribers: Subscriber[] = [];
  switch (archetype) {
    case 'staff': {
      const p = unit.adult(arrival, { minAge: 22, maxAge: 45 });
      planMembership(unit, {
        plan: findPlan('BCF Staff'),
        owner: p,
        members: [p],
        payer: p,
        startDay: ctx.openingDay,
      });
      break;
    }
    case 'founder': {
      const family = rng.chance(0.4);
      const a = unit.adult(arrival, { minAge: 26, maxAge: 55 });
      const members = [a];
      if (family) {
        if (rng.chance(0.7))
          members.push(unit.adult(arrival, { minAge: 26, maxAge: 55, lastName: a.lastName }));
        for (let k = rng.int(1, 3); k > 0; k--) members.push(unit.child(arrival, a, 4, 15));
      }
      const plan = findPlan(family ? 'Founders - Family' : 'Founders - Solo');
      const boughtAt = ctx.clock.atLocalDay(arrival, rng.int(9, 21), rng.int(0, 59), rng.int(0, 59));
      planMembership(unit, { plan, owner: a, members, payer: a, startDay: ctx.openingDay, boughtAt });
      break;
    }
    case 'visitor':
    case 'member': {
      const p = unit.adult(arrival, { minAge: 18, maxAge: 62 });
      if (archetype === 'member') {
        planMembership(unit, {
          plan: choosePlan(ctx, rng, 'solo', arrival, false),
          owner: p,
          members: [p],
          payer: p,
          startDay: arrival,
        });
      } else {
        const first = afterIntroClass(unit, p, arrival);
        planVisits(unit, [p], p, first, visitorStyle(unit, first, { converter: 12, trial: TRIAL }), 'solo');
      }
      break;
    }
    case 'student': {
      const p = unit.adult(arrival, { minAge: 18, maxAge: 22, student: true });
      const first = afterIntroClass(unit, p, arrival);
      planVisits(unit, [p], p, first, visitorStyle(unit, first, { converter: 13, trial: TRIAL }), 'student');
      break;
    }
    case 'couple': {
      const a = unit.adult(arrival, { minAge: 20, maxAge: 60 });
      const b = unit.adult(arrival, {
        minAge: 20,
        maxAge: 60,
        ...(rng.chance(0.7) ? { lastName: a.lastName } : {}),
        sex: a.sex === 'M' ? 'F' : 'M',
      });
      const first = afterIntroClass(unit, a, arrival);
      planVisits(unit, [a, b], a, first, visitorStyle(unit, first, { converter: 11, trial: TRIAL }), 'duo');
      break;
    }
    case 'family': {
      const a = unit.adult(arrival, { minAge: 28, maxAge: 50 });
      const adults = [a];
      if (rng.chance(0.55) || planted === 'srjr') {
        adults.push(
          unit.adult(arrival, {
            minAge: 28,
            maxAge: 50,
            lastName: a.lastName,
            sex: a.sex === 'M' ? 'F' : 'M',
          }),
        );
      }
      const kids: Person[] = [];
      const nKids =
        planted === 'twins'
          ? 2
          : rng.weighted([
              [1, 34],
              [2, 42],
              [3, 24],
            ]);
      for (let k = 0; k < nKids; k++) kids.push(unit.child(arrival, a, 3, 16));
      const twins = planted === 'twins' || (kids.length >= 2 && compose.chance(0.04));
      if (twins && kids[0] && kids[1]) kids[1].birthDay = kids[0].birthDay;
      if (planted === 'srjr' || compose.chance(0.025)) {
        // Father and son share a first name: Sr. and Jr. at one address.
        const father = adults.find((p) => p.sex === 'M');
        const son = kids.find((p) => p.sex === 'M') ?? kids[0];
        if (father && son) {
          son.sex = 'M';
          son.first = father.first;
          son.birthDay = Math.min(son.birthDay, arrival - 15 * 365);
          father.suffix = 'Sr.';
          son.suffix = 'Jr.';
        }
      }
      const kidsWho = kids.filter((k) => ageOn(k, arrival) >= 5);
      const group = [a, ...(kidsWho.length > 0 ? kidsWho : kids)];
      const roll = rng.next();
      if (roll < 0.13) {
        planMembership(unit, {
          plan: choosePlan(ctx, rng, 'family', arrival, false),
          owner: a,
          members: [...adults, ...kids],
          payer: a,
          startDay: arrival + rng.int(0, 3),
        });
      } else {
        planVisits(
          unit,
          group,
          a,
          arrival,
          visitorStyle(unit, arrival, { converter: 8, trial: FAMILY_TRIAL }),
          'family',
        );
      }
      const teamKid = kids.find((k) => ageOn(k, arrival) >= 7 && ageOn(k, arrival) <= 16);
      if (teamKid && (planted === 'parent-pays' || rng.chance(0.09))) {
        const team = rng.weighted<string>([
          ['Youth Rec Team Dues', 60],
          ['Youth Development Team Dues', 25],
          ['Youth Comp Team Dues', 15],
        ]);
        planMembership(unit, {
          plan: findPlan(team),
          owner: teamKid,
          members: [teamKid],
          payer: adults[adults.length - 1] ?? a,
          startDay: arrival + rng.int(0, 120),
        });
      }
      break;
    }
    case 'newsletter': {
      const p = unit.adult(arrival, { minAge: 20, maxAge: 60 });
      if (p.email) {
        subscribers.push({
          person: p,
          at: ctx.clock.atLocalDay(arrival, rng.int(6, 23), rng.int(0, 59), rng.int(0, 59)),
          email: p.email,
          bounces: false,
          source: rng.pick(['Embedded Form', 'Hosted Signup Form', 'Instagram Lead Ad']),
          tags: ['Newsletter'],
        });
      }
      break;
    }
  }
  applyPlantedNoise(unit, planted, arrival);
  return subscribers;
}

function applyPlantedNoise(unit: Unit, planted: PlantedNoise | null, arrival: number): void {
  const rng = unit.compose;
  const adults = unit.people.filter((p) => !p.guardian);
  for (const p of adults) {
    const woman = p.sex === 'F' && ageOn(p, arrival) >= 22;
    if (woman && (planted === 'maiden' ? p === adults.find((q) => q.sex === 'F') : rng.chance(0.015))) {
      p.maidenName = p.lastName;
      p.lastName = rng.pick(['Whitaker', 'Delgado', 'Hoffman', 'Brennan', 'Castellano', 'Park', 'Sloane']);
      p.renamedDay = arrival + rng.int(20, 300);
    }
    if (planted === 'typo' && p === adults[0]) p.misspelledAtDesk = true;
    if (planted === 'work-email' && p === adults[0] && !p.workEmail)
      p.workEmail = workEmail(rng, p.first.name, p.lastName);
    if (planted === 'old-email' && p === adults[0] && p.email && !p.oldEmail)
      p.oldEmail = personalEmail(rng, p.first.name, p.lastName);
  }
  if (planted === 'maiden' && !adults.some((p) => p.maidenName)) {
    const p = adults[0];
    if (p) {
      p.sex = 'F';
      p.maidenName = p.lastName;
      p.lastName = 'Whitaker';
      p.renamedDay = arrival + 40;
    }
  }
}

// ---------- rendering ----------

function productFor(rng: Rng, p: Person, day: number): EntryProduct {
  if (ageOn(p, day) < 14) return DAY_PASS_YOUTH_GEAR;
  return rng.chance(0.72) ? DAY_PASS_ADULT_GEAR : DAY_PASS_ADULT;
}

const ownDescription = (product: EntryProduct, remaining = 0): string =>
  product.showsRemaining ? `${product.name} (${remaining} remaining)` : product.name;

interface PunchPass {
  owner: Person;
  remaining: number;
  expiresDay: number;
}

function renderSessions(unit: Unit): void {
  const { ctx, render: rng, ledger } = unit;
  const punch = new Map<Person, PunchPass>();
  const sessions = [...unit.plan.sessions].sort((a, b) => a.day - b.day);
  for (const s of sessions) {
    if (s.day > ctx.horizonDay) continue;
    const at = visitInstant(rng, ctx.clock, s.day);
    if (s.free) {
      const reason = rng.weighted(FREE_ENTRY_REASONS);
      for (const p of s.people) unit.checkin(p, at + rng.int(0, 90) * 1000, 'FRE', 'Free Entry', reason);
      continue;
    }
    const payerName = fullName(s.payer, s.day);
    const lines: SaleLine[] = [];
    const addLine = (product: EntryProduct, quantity = 1) => {
      const line = lines.find((l) => l.variation === product.name);
      if (line) line.quantity += quantity;
      else
        lines.push({
          name: product.squareItem,
          variation: product.name,
          quantity,
          unitCents: product.price * 100,
        });
    };
    let pass = punch.get(s.payer);
    if (pass && (pass.remaining <= 0 || s.day > pass.expiresDay)) {
      punch.delete(s.payer);
      pass = undefined;
    }
    if (!pass && s.buysPunchPass) {
      pass = { owner: s.payer, remaining: PUNCH_PASS.uses, expiresDay: s.day + 60 };
      punch.set(s.payer, pass);
      addLine(PUNCH_PASS);
    }
    for (const p of s.people) {
      const t = at + rng.int(0, 120) * 1000;
      if (pass && pass.remaining > 0 && (p === s.payer || ageOn(p, s.day) >= 14)) {
        pass.remaining--;
        const description =
          p === s.payer
            ? `${PUNCH_PASS.name} (${pass.remaining} remaining)`
            : `${PUNCH_PASS.name} from ${payerName} (${pass.remaining} remaining)`;
        unit.checkin(p, t, 'ENT', description);
        continue;
      }
      const product = productFor(rng, p, s.day);
      addLine(product);
      const transferred = p !== s.payer && rng.chance(0.45);
      unit.checkin(
        p,
        t,
        'ENT',
        transferred ? `${product.name} from ${payerName} (0 remaining)` : ownDescription(product),
      );
    }
    // A friend tags along on the punch pass now and then.
    if (pass && pass.remaining > 0 && !s.buysPunchPass && rng.chance(0.3)) {
      const friend = unit.satellite(s.day, 'adult');
      pass.remaining--;
      unit.checkin(
        friend,
        at + rng.int(0, 120) * 1000,
        'ENT',
        `${PUNCH_PASS.name} from ${payerName} (${pass.remaining} remaining)`,
      );
    }
    if (lines.length > 0) {
      const promo = s.promo;
      if (rng.chance(0.18)) {
        // Bought online through Capitan, which charges through Stripe.
        const cents = lines.reduce((n, l) => n + l.unitCents * l.quantity, 0);
        const first = lines[0];
        ledger.stripePayment({
          payer: s.payer,
          at: at - rng.int(600, 86_400 * 2) * 1000,
          cents,
          description: first ? first.variation : 'Day Pass',
          withCustomer: true,
          ...(promo ? { promo } : {}),
        });
      } else {
        ledger.squareSale({
          payer: s.payer,
          at: at - rng.int(30, 600) * 1000,
          lines,
          withCustomer: s.payer.email !== null && rng.chance(0.3),
          ...(promo ? { promo } : {}),
        });
      }
    }
    if (rng.chance(0.1)) unit.retailSale(s.payer, at);
  }
  for (const r of unit.plan.retail) {
    if (r.day > ctx.horizonDay) continue;
    unit.retailSale(r.payer, visitInstant(rng, ctx.clock, r.day), r.promo);
  }
}

function renderMemberships(unit: Unit): void {
  const { ctx, render: rng } = unit;
  const memberships = [...unit.plan.memberships].sort((a, b) => a.boughtAt - b.boughtAt);
  for (const mp of memberships) {
    const description = mp.plan.name;
    const fact = renderMembership(ctx, unit.ids, unit.ledger, rng, mp, (person, at) => {
      unit.checkin(person, at, 'MEM', description);
      const day = ctx.clock.localDay(at);
      if (ageOn(person, day) >= 18 && rng.chance(0.035)) {
        const guest = unit.satellite(day, 'adult');
        const host = unit.ledger.account(person, at).value;
        unit.checkin(
          guest,
          at + rng.int(30, 300) * 1000,
          'GUE',
          `Guest Pass from ${host.first_name} ${host.last_name}`,
        );
        if (rng.chance(0.2)) {
          const later = day + rng.int(7, 90);
          unit.plan.sessions.push({
            people: [guest],
            payer: guest,
            day: later,
            free: false,
            buysPunchPass: false,
          });
        }
      }
      if (rng.chance(0.05)) unit.retailSale(unit.payerOf(person), at);
    });
    unit.membershipFacts.set(mp, fact);
  }
}

/** Parties, camps and classes: bookings paid through Stripe, and party check-ins. */
function renderEvents(unit: Unit, arrival: number): void {
  const { ctx, render: rng, ledger } = unit;
  const kids = unit.people.filter((p) => p.guardian && p.householdId === unit.householdId);
  const adults = unit.people.filter((p) => !p.guardian && p.householdId === unit.householdId);
  const lastDay = ctx.horizonDay;
  // Birthday party: a deposit through Calendly, the balance on the day, guests checking in.
  const host = kids.find((k) => ageOn(k, arrival) >= 4 && ageOn(k, arrival) <= 12);
  if (host?.guardian && rng.chance(0.075)) {
    let day = arrival + rng.int(10, 400);
    while (weekdayOf(day) !== 6 && weekdayOf(day) !== 0) day++;
    if (day <= lastDay) {
      const payer = host.guardian;
      const partyAt = ctx.clock.atLocalDay(day, rng.pick([12, 13, 15]), 0, rng.int(0, 59));
      ledger.stripePayment({
        payer,
        at: partyAt - rng.int(14, 40) * DAY_MS,
        cents: 10_000,
        description: '[Calendly] Basin 2 Hour Birthday Party',
        withCustomer: false,
      });
      const member = unit.plan.memberships.some(
        (m) => m.members.includes(payer) && m.startDay <= day && (m.plannedEndDay ?? day + 1) > day,
      );
      const guests = rng.int(4, 9);
      ledger.stripePayment({
        payer,
        at: partyAt + 2 * 3_600_000,
        cents: 15_000 + Math.max(0, guests - 8) * 1_800,
        description: member ? 'Birthday Party- Member' : 'Birthday Party- non-member',
        withCustomer: false,
      });
      const eventName = 'Basin 2 Hour Birthday Party';
      unit.checkin(host, partyAt + rng.int(0, 600) * 1000, 'EVE', eventName);
      for (let g = 0; g < guests; g++) {
        const kid = unit.satellite(day, 'kid');
        unit.checkin(kid, partyAt + rng.int(0, 1_200) * 1000, 'EVE', eventName);
      }
    }
  }
  // Summer camps, paid by the parent.
  const campers = kids.filter((k) => ageOn(k, arrival) >= 6 && ageOn(k, arrival) <= 13);
  if (campers.length > 0 && rng.chance(0.14)) {
    const payer = campers[0]?.guardian ?? adults[0];
    const year = new Date((arrival + rng.int(0, 300)) * DAY_MS).getUTCFullYear();
    const registerDay = Math.floor(Date.UTC(year, 3, rng.int(1, 30)) / DAY_MS);
    if (payer && registerDay >= arrival && registerDay <= lastDay) {
      const sessions = rng.shuffle([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).slice(0, rng.int(1, 3));
      for (const session of sessions) {
        for (const camper of campers) {
          ledger.stripePayment({
            payer,
            at: ctx.clock.atLocalDay(registerDay, rng.int(7, 22), rng.int(0, 59), rng.int(0, 59)),
            cents: 28_500,
            description: `Summer Camp Session ${session}${campers.length > 1 ? ` - ${camper.first.name}` : ''}`,
            withCustomer: rng.chance(0.5),
          });
        }
      }
    }
  }
  // A newcomer's intro class, booked online in the days before it.
  if (unit.introClass && unit.introClass.day <= lastDay) {
    const { person, day } = unit.introClass;
    const name = rng.pick(INTRO_CLASSES);
    const type = EVENT_TYPES.find((t) => t.name === name)!;
    ledger.stripePayment({
      payer: person,
      at: ctx.clock.atLocalDay(day - rng.int(0, 6), rng.int(7, 22), rng.int(0, 59), rng.int(0, 59)),
      cents: type.price * 100,
      description: type.stripeDescription,
      withCustomer: true,
    });
  }
  // Classes: an adult books one to three.
  for (const adult of adults) {
    if (!rng.chance(0.1)) continue;
    for (let k = rng.int(1, 3); k > 0; k--) {
      const day = arrival + rng.int(0, 500);
      if (day > lastDay) continue;
      const type = rng.pick(EVENT_TYPES.filter((t) => t.price < 200 && !t.name.includes('Birthday')));
      ledger.stripePayment({
        payer: adult,
        at: ctx.clock.atLocalDay(day, rng.int(7, 22), rng.int(0, 59), rng.int(0, 59)),
        cents: type.price * 100,
        description: type.stripeDescription,
        withCustomer: rng.chance(0.4),
      });
    }
  }
}

function renderStaffTests(unit: Unit): void {
  const { ctx, render: rng, ledger } = unit;
  const staff = unit.people[0];
  if (!staff) return;
  for (let k = rng.int(1, 3); k > 0; k--) {
    const at = ctx.clock.atLocalDay(ctx.openingDay - rng.int(1, 40), rng.int(9, 18), rng.int(0, 59));
    ledger.stripePayment({
      payer: staff,
      at,
      cents: rng.pick([100, 500, 2_800]),
      description: 'Test payment',
      withCustomer: false,
      livemode: false,
    });
  }
}

function renderAssociations(unit: Unit): void {
  const { ctx, render: rng, ledger } = unit;
  const join = (p: Person, name: string, at: number) => {
    const association = ctx.associations.find((a) => a.name === name);
    if (!association || at > ctx.horizonMs) return;
    const account = ledger.account(p, at);
    const created = Math.max(at, association.at + DAY_MS);
    const approved =
      association.requiresVerification && rng.chance(0.06) ? null : created + rng.int(0, 3 * 86_400) * 1000;
    const createdText = ctx.clock.capitanLocal(created, rng.int(0, 999_999));
    ledger.out.associationMembers.push({
      at: created,
      approvedAt: approved,
      createdText,
      value: {
        id: unit.ids.associationMember++,
        association_id: association.id,
        association_name: association.name,
        customer_id: account.value.id,
        customer_first_name: account.value.first_name,
        customer_last_name: account.value.last_name,
        customer_birthday: account.value.birthday,
        created_at: createdText,
        approved_at: approved === null ? null : ctx.clock.capitanLocal(approved, rng.int(0, 999_999)),
        updated_at: approved === null ? createdText : ctx.clock.capitanLocal(approved, rng.int(0, 999_999)),
      },
    });
  };
  for (const mp of unit.plan.memberships) {
    if (mp.boughtAt > ctx.horizonMs) continue;
    if (mp.plan.kind === 'founders') join(mp.owner, 'Founders Team', mp.boughtAt);
    else if (mp.plan.kind === 'team') join(mp.owner, mp.plan.name.replace(' Dues', ''), mp.boughtAt);
    else if (mp.plan.kind === 'staff') join(mp.owner, 'BCF Staff', mp.boughtAt);
    else if (mp.plan.kind !== 'twoWeek' && mp.plan.kind !== 'promo90' && rng.chance(0.6))
      join(mp.owner, 'Active Member', mp.boughtAt);
  }
  for (const s of unit.plan.sessions) {
    if (s.buysPunchPass && s.day <= ctx.horizonDay && rng.chance(0.5))
      join(s.payer, 'Punch Pass Holders', ctx.clock.atLocalDay(s.day, 20));
  }
  for (const p of unit.people) {
    if (!ledger.hasAccount(p) || p.guardian) continue;
    const at = (ledger.accountsOf(p)[0]?.at ?? 0) + rng.int(0, 30) * DAY_MS;
    if (p.email?.endsWith('@baylor.edu') && rng.chance(0.5)) join(p, 'Baylor Student', at);
    else if (rng.chance(0.012))
      join(p, rng.pick(['Military', 'First Responders', 'Teachers', 'Healthcare Workers']), at);
  }
}

/** Capitan relations entered by staff or parents for some families (many have none). */
function renderRelations(unit: Unit): void {
  const { ctx, render: rng, ledger } = unit;
  const kids = unit.people.filter(
    (p) => p.guardian && p.householdId === unit.householdId && ledger.hasAccount(p),
  );
  if (kids.length === 0 || !rng.chance(0.3)) return;
  const parents = unit.people.filter(
    (p) => !p.guardian && p.householdId === unit.householdId && ledger.hasAccount(p),
  );
  const relate = (from: Person, to: Person, code: 'CHI' | 'PRE' | 'SIB', at: number) => {
    const a = ledger.accountsOf(from)[0];
    const b = ledger.accountsOf(to)[0];
    if (!a || !b) return;
    const created = Math.max(at, a.at, b.at) + rng.int(60, 86_400 * 20) * 1000;
    ledger.out.relations.push({
      customerId: a.value.id,
      at: created,
      value: {
        related_customer_id: b.value.id,
        related_customer_first_name: b.value.first_name,
        related_customer_last_name: b.value.last_name,
        relation: code,
        created_at: ctx.clock.capitanLocal(created, rng.int(0, 999_999)),
      },
    });
  };
  const at = ledger.accountsOf(kids[0] as Person)[0]?.at ?? 0;
  for (const parent of parents) {
    for (const kid of kids) {
      relate(parent, kid, 'CHI', at);
      if (rng.chance(0.6)) relate(kid, parent, 'PRE', at);
    }
  }
  for (const a of kids) for (const b of kids) if (a !== b && rng.chance(0.7)) relate(a, b, 'SIB', at);
}

/** People who tick the marketing box join the list within days of their first visit. */
function subscribersOf(
  unit: Unit,
  people: Person[],
  firstDay: (p: Person) => number,
  rng: Rng,
): Subscriber[] {
  const { ctx } = unit;
  const subs: Subscriber[] = [];
  for (const p of people) {
    if (!p.email || p.emailIsShared || !p.marketingOptIn) continue;
    const day = firstDay(p) + rng.int(0, 10);
    const member = unit.plan.memberships.some((m) => m.members.includes(p));
    const bounces = rng.chance(0.02);
    const listed = p.oldEmail ?? p.email;
    subs.push({
      person: p,
      at: ctx.clock.atLocalDay(day, rng.int(6, 23), rng.int(0, 59), rng.int(0, 59)),
      email: bounces ? typoEmail(rng, listed) : listed,
      bounces,
      source: rng.weighted([
        ['Capitan Sync', 60],
        ['Hosted Signup Form', 20],
        ['Admin Add', 10],
        ['Import', 10],
      ]),
      tags: [
        member ? 'Member' : 'Day Pass',
        ...(p.email.endsWith('@baylor.edu') ? ['Student'] : []),
        ...(unit.people.some((k) => k.guardian === p) ? ['Youth Parent'] : []),
      ],
    });
  }
  return subs;
}

/** Lapsed: on an active membership at asOf with no visit for 30+ days. Churned: left after fading visits. */
function labelsFor(unit: Unit, p: Person): { lapsed: number | null; churned: number | null } {
  const { ctx } = unit;
  const asOf = ctx.asOfDay;
  let covered: MembershipFact | null = null;
  let churned: number | null = null;
  for (const [mp, fact] of unit.membershipFacts) {
    if (!mp.members.includes(p)) continue;
    const end = fact.endDay ?? Number.POSITIVE_INFINITY;
    const frozen = fact.freezes.some((f) => asOf >= f.fromDay && asOf < f.toDay);
    if (fact.startDay <= asOf && asOf < end && !frozen) covered = fact;
    if (fact.endReason === 'churn' && fact.endDay !== null && fact.endDay <= asOf)
      churned = Math.max(churned ?? 0, fact.endDay);
  }
  if (covered) {
    const days = (unit.visitDays.get(p.personId) ?? []).filter((d) => d <= asOf);
    const last = Math.max(covered.startDay, ...days);
    return { lapsed: asOf - last >= 30 ? last + 30 : null, churned: null };
  }
  return { lapsed: null, churned };
}

export function generateHousehold(ctx: GenContext, index: number, ids: IdCounters): HouseholdOutput {
  const root = new Rng(`basin/${ctx.seed}/household/${index}`);
  const arrival = arrivalDay(ctx, index, root.next());
  const unit = new Unit(ctx, ids, `h${index}`, root);
  const planted = plantedAt(ctx, index);
  const archetype = planted ? 'family' : chooseArchetype(ctx, root.fork('archetype'), index, arrival);
  const listed = composeAndPlan(unit, archetype, arrival, planted);

  const arrivalAt = ctx.clock.atLocalDay(arrival, 8);
  const core = unit.people.filter((p) => p.householdId === unit.householdId);
  if (archetype !== 'newsletter') {
    for (const p of core) unit.ledger.account(p, arrivalAt + unit.compose.int(0, 36_000) * 1000);
  }
  const duplicated = core.filter(
    (p) => !p.guardian && (planted === 'duplicate' ? p === core[0] : unit.compose.chance(0.025)),
  );
  for (const p of duplicated) {
    const at = ctx.clock.atLocalDay(arrival + unit.compose.int(30, 400), 10);
    if (at > ctx.horizonMs || archetype === 'newsletter') continue;
    unit.ledger.openAccount(
      p,
      at,
      p.oldEmail ? p.email : p.email && unit.compose.chance(0.5) ? p.email.toUpperCase() : null,
      {
        firstName: p.first.nicknames[0] ?? p.first.name,
      },
    );
  }

  const subscribers =
    archetype === 'newsletter' ? listed : subscribersOf(unit, core, () => arrival, unit.behave);
  runAudience(
    ctx,
    unit.behave.fork('audience'),
    subscribers,
    {
      plan: unit.plan,
      hooks: {
        membership: (person, day, boughtAt, promo) => {
          if (
            unit.plan.memberships.some(
              (m) =>
                m.members.includes(person) && (m.plannedEndDay ?? day + 1) > day && m.startDay <= day + 45,
            )
          ) {
            return false;
          }
          planMembership(unit, {
            plan: choosePlan(ctx, unit.behave, 'solo', day, false),
            owner: person,
            members: [person],
            payer: person,
            startDay: day,
            boughtAt,
            promo,
          });
          return true;
        },
      },
    },
    unit.ledger.out,
  );

  if (archetype === 'staff') renderStaffTests(unit);
  renderMemberships(unit);
  renderSessions(unit);
  renderEvents(unit, arrival);
  renderAssociations(unit);
  renderRelations(unit);
  // Guests and friends join the list like anyone else, after their purchases are already written.
  const satellites = unit.people.filter(
    (p) => p.householdId !== unit.householdId && unit.ledger.hasAccount(p),
  );
  const firstDay = (p: Person) => ctx.clock.localDay(unit.ledger.accountsOf(p)[0]?.at ?? ctx.horizonMs);
  runAudience(
    ctx,
    unit.render.fork('audience'),
    subscribersOf(unit, satellites, firstDay, unit.render),
    null,
    unit.ledger.out,
  );
  const out = unit.ledger.finish();

  const withRecords = new Set(out.records.map((r) => r.person_id));
  for (const p of unit.people) {
    if (!withRecords.has(p.personId)) continue;
    const { lapsed, churned } = labelsFor(unit, p);
    const truth: PersonTruth = {
      person_id: p.personId,
      household_id: p.householdId,
      first_name: p.first.name,
      last_name: p.lastName,
      birth_date: ctx.clock.dayToIso(p.birthDay),
      is_minor: ctx.asOfDay - p.birthDay < 18 * 365.25,
      lapsed_on: lapsed === null ? null : ctx.clock.dayToIso(lapsed),
      churned_on: churned === null ? null : ctx.clock.dayToIso(churned),
    };
    out.people.push(truth);
  }
  return out;
}
