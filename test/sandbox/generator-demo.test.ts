import { beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { PLANS } from '../../src/sandbox/generator/catalog.ts';
import { GymClock } from '../../src/sandbox/generator/time.ts';

const DAY = 86_400_000;

/** The demo gym against the real gym's volumes (original-system.md §1.2, §1.5, §4.4). */
describe('the demo gym', () => {
  let gym: SandboxDataset;
  let clock: GymClock;
  const capitanMs = (text: string) => {
    const [date, time] = text.split('T') as [string, string];
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const [hh, mm, ss] = time.split(':').map(Number) as [number, number, number];
    return clock.fromLocal(y, m, d, hh, mm, Math.floor(ss));
  };

  beforeAll(() => {
    gym = generateGym({ size: 'demo' });
    clock = new GymClock(gym.timeZone);
  });

  it('has about 11,500 customers, 35% of them minors, few minors with an email', () => {
    const customers = gym.capitan.customers(gym.asOf);
    expect(customers.length).toBeGreaterThan(11_500 * 0.9);
    expect(customers.length).toBeLessThan(11_500 * 1.1);
    const personOf = new Map(gym.truth.records.map((r) => [r.record_id, r.person_id]));
    const minor = new Map(gym.truth.people.map((p) => [p.person_id, p.is_minor]));
    const minors = customers.filter((c) => minor.get(personOf.get(`capitan:customer:${c.id}`) ?? ''));
    expect(minors.length / customers.length).toBeGreaterThan(0.35 - 0.04);
    expect(minors.length / customers.length).toBeLessThan(0.35 + 0.04);
    const withEmail = minors.filter((c) => c.email).length / minors.length;
    expect(withEmail).toBeGreaterThan(0.1);
    expect(withEmail).toBeLessThan(0.21);
  });

  it('has about 1,300 memberships over its history and about 600 running now', () => {
    // The audit's 1,313 (2024–25) predates the 2-week pass (Dec 2025), which Capitan sells as a membership.
    const twoWeek = new Set(PLANS.filter((p) => p.kind === 'twoWeek').map((p) => p.id));
    const memberships = gym.capitan.memberships(gym.asOf).filter((m) => !twoWeek.has(m.membership_id));
    expect(memberships.length).toBeGreaterThan(1_300 * 0.85);
    expect(memberships.length).toBeLessThan(1_300 * 1.15);
    const running = memberships.filter((m) => m.status !== 'END');
    expect(running.length).toBeGreaterThan(500);
    expect(running.length).toBeLessThan(720);
    const byInterval = (code: string) => running.filter((m) => m.interval === code).length / running.length;
    expect(byInterval('BWK')).toBeGreaterThan(0.4);
    expect(byInterval('MON')).toBeGreaterThan(0.2);
    expect(byInterval('YRL')).toBeGreaterThan(0.08);
  });

  it('has about 37,000 check-ins a year with the real entry-method mix', () => {
    const yearAgo = gym.asOf.getTime() - 365 * DAY;
    const year = gym.capitan.checkins(gym.asOf).filter((c) => capitanMs(c.check_in_datetime) > yearAgo);
    expect(year.length).toBeGreaterThan(37_000 * 0.85);
    expect(year.length).toBeLessThan(37_000 * 1.15);
    const share = (code: string) => year.filter((c) => c.entry_method === code).length / year.length;
    expect(share('MEM')).toBeGreaterThan(0.72);
    expect(share('MEM')).toBeLessThan(0.84);
    expect(share('ENT')).toBeGreaterThan(0.11);
    expect(share('ENT')).toBeLessThan(0.2);
    for (const code of ['FRE', 'GUE', 'EVE']) {
      expect(share(code), code).toBeGreaterThan(0.005);
      expect(share(code), code).toBeLessThan(0.06);
    }
  });

  it('sells a 2-week pass to about one first-time day-pass visitor in ten, and a quarter of its holders join', () => {
    const personOf = new Map(gym.truth.records.map((r) => [r.record_id, r.person_id]));
    const kind = new Map(PLANS.map((p) => [p.id, p.kind]));
    const person = (customerId: number) => personOf.get(`capitan:customer:${customerId}`)!;
    const firstDayPass = new Map<string, string>();
    for (const c of gym.capitan.checkins(gym.asOf)) {
      if (c.entry_method !== 'ENT' || !c.entry_method_description.includes('Day Pass')) continue;
      const day = c.check_in_datetime.slice(0, 10);
      const p = person(c.customer_id);
      if (!firstDayPass.has(p) || day < firstDayPass.get(p)!) firstDayPass.set(p, day);
    }
    const passes = new Map<string, string[]>();
    const joined = new Map<string, string>();
    for (const m of gym.capitan.memberships(gym.asOf)) {
      for (const member of m.all_customers) {
        const p = person(member.id);
        if (kind.get(m.membership_id) === 'twoWeek') passes.set(p, [...(passes.get(p) ?? []), m.start_date]);
        else if (kind.get(m.membership_id) !== 'team' && (!joined.has(p) || m.start_date < joined.get(p)!))
          joined.set(p, m.start_date);
      }
    }
    const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / DAY;
    const launch = [...passes.values()].flat().sort()[0]!;
    const lastCohortDay = new Date(gym.asOf.getTime() - 60 * DAY).toISOString().slice(0, 10);
    let visitors = 0;
    let takers = 0;
    let members = 0;
    for (const [p, first] of firstDayPass) {
      if (first < launch || first > lastCohortDay) continue;
      if (joined.has(p) && joined.get(p)! < first) continue;
      visitors++;
      const pass = (passes.get(p) ?? []).filter((d) => d >= first && days(first, d) <= 30).sort()[0];
      if (!pass) continue;
      takers++;
      const join = joined.get(p);
      if (join && join >= pass && days(pass, join) <= 30) members++;
    }
    expect(visitors).toBeGreaterThan(1_500);
    expect(takers / visitors).toBeGreaterThan(0.07);
    expect(takers / visitors).toBeLessThan(0.14);
    expect(members / takers).toBeGreaterThan(0.15);
    expect(members / takers).toBeLessThan(0.4);
  });

  it('has roughly 12,000-18,000 transactions a year across Stripe and Square', () => {
    const yearAgo = gym.asOf.getTime() - 365 * DAY;
    const stripe = gym.stripe
      .paymentIntents(gym.asOf)
      .filter((p) => p.created * 1000 > yearAgo && p.status === 'succeeded');
    const square = gym.square.payments(gym.asOf).filter((p) => Date.parse(p.created_at) > yearAgo);
    expect(stripe.length + square.length).toBeGreaterThan(12_000);
    expect(stripe.length + square.length).toBeLessThan(18_000);
  });

  it('makes effective offers raise conversion among recipients within 30 days, and ineffective ones not', () => {
    const c = gym.horizon;
    const personOf = new Map(gym.truth.records.map((r) => [r.record_id, r.person_id]));
    const minor = new Map(gym.truth.people.map((p) => [p.person_id, p.is_minor]));
    const joined = new Map<string, number>();
    for (const x of gym.capitan.customers(c)) {
      const p = personOf.get(`capitan:customer:${x.id}`) ?? '';
      joined.set(p, Math.min(joined.get(p) ?? Number.POSITIVE_INFINITY, capitanMs(x.created_at)));
    }
    // Conversions: a membership bought, or a day-pass visit.
    const conversions = new Map<string, number[]>();
    const add = (person: string | undefined, at: number) => {
      if (person) conversions.set(person, [...(conversions.get(person) ?? []), at]);
    };
    for (const m of gym.capitan.memberships(c))
      add(personOf.get(`capitan:customer:${m.owner_id}`), capitanMs(m.created_at));
    for (const x of gym.capitan.checkins(c)) {
      if (x.entry_method === 'ENT')
        add(personOf.get(`capitan:customer:${x.customer_id}`), capitanMs(x.check_in_datetime));
    }
    const rates = { true: [0, 0, 0, 0], false: [0, 0, 0, 0] };
    const campaigns = new Map(gym.mailchimp.campaigns(c).map((x) => [x.id, x]));
    for (const t of gym.truth.templates) {
      if (!t.has_offer || t.offer_type === 'retail_discount') continue;
      const send = Date.parse(campaigns.get(t.campaign_id)?.send_time ?? '');
      if (send + 30 * DAY > gym.asOf.getTime()) continue;
      const recipients = new Set(
        gym.mailchimp
          .emailActivity(t.campaign_id, c)
          .map((a) => personOf.get(`mailchimp:member:${a.email_id}`)),
      );
      const tally = rates[t.is_effective ? 'true' : 'false'];
      for (const [person, since] of joined) {
        if (since > send || minor.get(person)) continue;
        const converted = (conversions.get(person) ?? []).some((at) => at > send && at <= send + 30 * DAY)
          ? 1
          : 0;
        const i = recipients.has(person) ? 0 : 2;
        tally[i] = (tally[i] ?? 0) + converted;
        tally[i + 1] = (tally[i + 1] ?? 0) + 1;
      }
    }
    const lift = ([rc, rn, nc, nn]: number[]) => (rc ?? 0) / (rn ?? 1) / ((nc ?? 0) / (nn ?? 1));
    // Windows overlap, so an effective offer spills a little into the next campaigns' windows.
    expect(lift(rates.true)).toBeGreaterThan(1.6);
    expect(lift(rates.false)).toBeLessThan(1.35);
    expect(lift(rates.true) - lift(rates.false)).toBeGreaterThan(0.4);
  });
});
