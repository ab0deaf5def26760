/**
 * The sandbox gym's own answers to the reports' questions, computed from the generator's views and
 * ground truth (the person behind every Capitan customer, the plan behind every membership), never
 * from the lake.
 */
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { PLANS } from '../../src/sandbox/generator/catalog.ts';

const localDay = (ms: number, timeZone: string) => new Date(ms).toLocaleDateString('en-CA', { timeZone });

const addDays = (day: string, days: number) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

const addMonths = (month: string, months: number) => {
  const d = new Date(`${month}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
};

const monthOf = (day: string) => `${day.slice(0, 7)}-01`;

/** Net revenue in cents per gym-local day: what was received, minus refunds on their own day. */
export function trueNetRevenueByDay(gym: SandboxDataset): Map<string, number> {
  const clock = gym.asOf;
  const byDay = new Map<string, number>();
  const add = (ms: number, cents: number) => {
    const day = localDay(ms, gym.timeZone);
    byDay.set(day, (byDay.get(day) ?? 0) + cents);
  };
  for (const p of gym.stripe.paymentIntents(clock))
    if (p.livemode && p.status === 'succeeded') add(p.created * 1000, p.amount_received);
  for (const r of gym.stripe.refunds(clock)) if (r.status === 'succeeded') add(r.created * 1000, -r.amount);
  for (const p of gym.square.payments(clock))
    if (p.status === 'COMPLETED') add(Date.parse(p.created_at), p.amount_money.amount);
  for (const r of gym.square.refunds(clock))
    if (r.status === 'COMPLETED') add(Date.parse(r.created_at), -r.amount_money.amount);
  return byDay;
}

interface Person {
  firstMembership: string | null;
  firstVisit: string | null;
  visits: Set<string>;
}

/** Per true person: first membership start (not a 2-week pass or team dues) and check-in days. */
export function truePeople(gym: SandboxDataset): Map<string, Person> {
  const clock = gym.asOf;
  const personOf = new Map(
    gym.truth.records
      .filter((r) => r.record_id.startsWith('capitan:customer:'))
      .map((r) => [r.record_id, r.person_id]),
  );
  const people = new Map<string, Person>();
  const person = (customerId: number) => {
    const id = personOf.get(`capitan:customer:${customerId}`);
    if (!id) throw new Error(`no true person for Capitan customer ${customerId}`);
    let p = people.get(id);
    if (!p) {
      p = { firstMembership: null, firstVisit: null, visits: new Set() };
      people.set(id, p);
    }
    return p;
  };
  const kind = new Map(PLANS.map((plan) => [plan.id, plan.kind]));
  for (const m of gym.capitan.memberships(clock)) {
    const planKind = kind.get(m.membership_id);
    if (planKind === 'twoWeek' || planKind === 'team') continue;
    for (const member of m.all_customers) {
      const p = person(member.id);
      if (!p.firstMembership || m.start_date < p.firstMembership) p.firstMembership = m.start_date;
    }
  }
  for (const c of gym.capitan.checkins(clock)) {
    const day = c.check_in_datetime.slice(0, 10);
    const p = person(c.customer_id);
    p.visits.add(day);
    if (!p.firstVisit || day < p.firstVisit) p.firstVisit = day;
  }
  return people;
}

/** People per first-membership month, for months complete before `asOf`. */
export function trueCohortSizes(people: Map<string, Person>, asOf: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const p of people.values()) {
    if (!p.firstMembership) continue;
    const month = monthOf(p.firstMembership);
    if (addMonths(month, 1) > asOf) continue;
    sizes.set(month, (sizes.get(month) ?? 0) + 1);
  }
  return sizes;
}

export interface TrueFunnelMonth {
  firstVisitors: number;
  secondVisitors: number;
  members: number;
}

/**
 * First-time visitors per month, those back within `windowDays`, and those whose first membership
 * starts within `windowDays` of the first visit; people who were members before it left out.
 */
export function trueVisitFunnel(
  people: Map<string, Person>,
  asOf: string,
  windowDays: number,
): Map<string, TrueFunnelMonth> {
  const months = new Map<string, TrueFunnelMonth>();
  for (const p of people.values()) {
    if (!p.firstVisit) continue;
    if (p.firstMembership && p.firstMembership < p.firstVisit) continue;
    const month = monthOf(p.firstVisit);
    if (addDays(addMonths(month, 1), windowDays) > asOf) continue;
    const last = addDays(p.firstVisit, windowDays);
    const entry = months.get(month) ?? { firstVisitors: 0, secondVisitors: 0, members: 0 };
    entry.firstVisitors += 1;
    if ([...p.visits].some((d) => d > p.firstVisit! && d <= last)) entry.secondVisitors += 1;
    if (p.firstMembership && p.firstMembership <= last) entry.members += 1;
    months.set(month, entry);
  }
  return months;
}

/**
 * Check-ins per day by whether the person was on a membership (not a 2-week pass, not team dues)
 * that day: started by then and not ended by then.
 */
export function trueCheckinsByMembership(
  gym: SandboxDataset,
): Map<string, { members: number; others: number }> {
  const clock = gym.asOf;
  const personOf = new Map(gym.truth.records.map((r) => [r.record_id, r.person_id]));
  const kind = new Map(PLANS.map((plan) => [plan.id, plan.kind]));
  const spells = new Map<string, { start: string; end: string | null }[]>();
  for (const m of gym.capitan.memberships(clock)) {
    const planKind = kind.get(m.membership_id);
    if (planKind === 'twoWeek' || planKind === 'team') continue;
    for (const member of m.all_customers) {
      const person = personOf.get(`capitan:customer:${member.id}`)!;
      const spell = { start: m.start_date, end: m.status === 'END' ? m.end_date : null };
      spells.set(person, [...(spells.get(person) ?? []), spell]);
    }
  }
  const byDay = new Map<string, { members: number; others: number }>();
  for (const c of gym.capitan.checkins(clock)) {
    const day = c.check_in_datetime.slice(0, 10);
    const person = personOf.get(`capitan:customer:${c.customer_id}`)!;
    const member = (spells.get(person) ?? []).some((s) => s.start <= day && !(s.end && s.end <= day));
    const entry = byDay.get(day) ?? { members: 0, others: 0 };
    if (member) entry.members += 1;
    else entry.others += 1;
    byDay.set(day, entry);
  }
  return byDay;
}
