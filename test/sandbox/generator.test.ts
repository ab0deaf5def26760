import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { FEMALE_FIRST, MALE_FIRST, WORK_DOMAINS } from '../../src/sandbox/generator/names.ts';
import { GymClock } from '../../src/sandbox/generator/time.ts';
import { formatGymStats, gymStats } from '../../src/sandbox/stats.ts';

const DAY = 86_400_000;
const LIST = '6113b6f2ca';

/** Every view of the dataset at one clock, as JSON text. */
function snapshot(d: SandboxDataset, clock: Date): string {
  const campaigns = d.mailchimp.campaigns(clock);
  const media = d.instagram.media(clock);
  const customers = d.capitan.customers(clock);
  return JSON.stringify({
    customers,
    memberships: d.capitan.memberships(clock),
    checkins: d.capitan.checkins(clock),
    associations: d.capitan.associations(clock),
    associationMembers: d.capitan.associationMembers(clock),
    events: d.capitan.events(clock),
    relations: customers.map((c) => d.capitan.relations(c.id, clock)),
    stripe: [
      d.stripe.customers(clock),
      d.stripe.paymentIntents(clock),
      d.stripe.charges(clock),
      d.stripe.refunds(clock),
    ],
    square: [
      d.square.locations(),
      d.square.customers(clock),
      d.square.payments(clock),
      d.square.orders(clock),
      d.square.refunds(clock),
    ],
    lists: d.mailchimp.lists(clock),
    members: d.mailchimp.members(LIST, clock),
    campaigns,
    content: campaigns.map((c) => d.mailchimp.content(c.id)),
    reports: campaigns.map((c) => d.mailchimp.report(c.id, clock)),
    activity: campaigns.map((c) => d.mailchimp.emailActivity(c.id, clock)),
    account: d.instagram.account(clock),
    media,
    insights: media.map((m) => d.instagram.insights(m.id, clock)),
    images: media.map((m) => Buffer.from(d.instagram.image(m.id)?.bytes ?? []).toString('base64')),
  });
}

function fingerprint(d: SandboxDataset): string {
  const hash = createHash('sha256');
  hash.update(snapshot(d, d.asOf));
  hash.update(snapshot(d, d.horizon));
  hash.update(JSON.stringify(d.truth));
  return hash.digest('hex');
}

const gym = generateGym({ size: 'tiny' });
const truthByRecord = new Map(gym.truth.records.map((r) => [r.record_id, r.person_id]));
const personById = new Map(gym.truth.people.map((p) => [p.person_id, p]));

describe('determinism', () => {
  it('gives byte-identical views and truth for the same seed, and different ones for another seed', () => {
    const again = generateGym({ size: 'tiny' });
    const other = generateGym({ size: 'tiny', seed: 2 });
    const print = fingerprint(gym);
    expect(fingerprint(again)).toBe(print);
    expect(fingerprint(other)).not.toBe(print);
  });
});

describe('the clock', () => {
  const clock = new GymClock(gym.timeZone);
  const capitanMs = (text: string) => {
    const [date, time] = text.split('T') as [string, string];
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const [hh, mm, ss] = time.split(':').map(Number) as [number, number, number];
    return clock.fromLocal(y, m, d, hh, mm, Math.floor(ss));
  };
  /** For each view: its records at a clock and when each was created. */
  const views: { name: string; at: (c: Date) => { id: string; created: number }[] }[] = [
    {
      name: 'capitan customers',
      at: (c) => gym.capitan.customers(c).map((x) => ({ id: `${x.id}`, created: capitanMs(x.created_at) })),
    },
    {
      name: 'capitan memberships',
      at: (c) => gym.capitan.memberships(c).map((x) => ({ id: `${x.id}`, created: capitanMs(x.created_at) })),
    },
    {
      name: 'capitan check-ins',
      at: (c) =>
        gym.capitan.checkins(c).map((x) => ({ id: `${x.id}`, created: capitanMs(x.check_in_datetime) })),
    },
    {
      name: 'stripe payment intents',
      at: (c) => gym.stripe.paymentIntents(c).map((x) => ({ id: x.id, created: x.created * 1000 })),
    },
    {
      name: 'stripe charges',
      at: (c) => gym.stripe.charges(c).map((x) => ({ id: x.id, created: x.created * 1000 })),
    },
    {
      name: 'stripe refunds',
      at: (c) => gym.stripe.refunds(c).map((x) => ({ id: x.id, created: x.created * 1000 })),
    },
    {
      name: 'square orders',
      at: (c) => gym.square.orders(c).map((x) => ({ id: x.id, created: Date.parse(x.created_at) })),
    },
    {
      name: 'square payments',
      at: (c) => gym.square.payments(c).map((x) => ({ id: x.id, created: Date.parse(x.created_at) })),
    },
    {
      name: 'mailchimp campaigns',
      at: (c) => gym.mailchimp.campaigns(c).map((x) => ({ id: x.id, created: Date.parse(x.send_time) })),
    },
    {
      name: 'instagram media',
      at: (c) =>
        gym.instagram
          .media(c)
          .map((x) => ({ id: x.id, created: Date.parse(x.timestamp.replace('+0000', 'Z')) })),
    },
  ];

  it('makes exactly one day of new records appear when it advances by a day', () => {
    let appeared = 0;
    for (let k = 0; k < 10; k++) {
      const from = new Date(gym.asOf.getTime() + k * DAY);
      const to = new Date(from.getTime() + DAY);
      for (const view of views) {
        const before = view.at(from);
        const after = view.at(to);
        const old = new Set(before.map((r) => r.id));
        expect(
          before.every((r) => r.created <= from.getTime() + 1000),
          view.name,
        ).toBe(true);
        expect(after.filter((r) => old.has(r.id)).length, view.name).toBe(before.length);
        const fresh = after.filter((r) => !old.has(r.id));
        // Capitan text has second resolution, hence the one-second slack at the lower edge.
        for (const r of fresh) {
          expect(r.created, view.name).toBeGreaterThan(from.getTime() - 1000);
          expect(r.created, view.name).toBeLessThanOrEqual(to.getTime());
        }
        appeared += fresh.length;
      }
    }
    expect(appeared).toBeGreaterThan(20);
  });

  it('shows nothing past the horizon and nothing before it is created', () => {
    const late = new Date(gym.horizon.getTime() + 300 * DAY);
    expect(gym.capitan.checkins(late).length).toBe(gym.capitan.checkins(gym.horizon).length);
    expect(gym.stripe.paymentIntents(late).length).toBe(gym.stripe.paymentIntents(gym.horizon).length);
    expect(gym.capitan.customers(new Date('2020-01-01T00:00:00Z'))).toEqual([]);
  });

  it('creates every Stripe customer before the first payment that names it', () => {
    const createdById = new Map(gym.stripe.customers(gym.horizon).map((c) => [c.id, c.created]));
    const early = gym.stripe
      .paymentIntents(gym.horizon)
      .filter((p) => p.customer !== null && !(createdById.get(p.customer)! <= p.created));
    expect(early).toEqual([]);
  });
  it('renders mutable state as of the clock', () => {
    const early = new Date(gym.asOf.getTime() - 200 * DAY);
    const ended = gym.capitan
      .memberships(gym.asOf)
      .find((m) => m.status === 'END' && m.end_date && Date.parse(m.end_date) > early.getTime() + 20 * DAY);
    expect(ended).toBeDefined();
    const then = gym.capitan
      .memberships(new Date(Date.parse(`${ended?.start_date}T18:00:00Z`) + DAY))
      .find((m) => m.id === ended?.id);
    expect(then?.status).toBe('ACT');
    // Like counts and reach of a post grow with its age.
    const post = gym.instagram.media(gym.asOf).at(-1);
    expect(post).toBeDefined();
    const postedAt = Date.parse((post?.timestamp ?? '').replace('+0000', 'Z'));
    const young = gym.instagram.insights(post?.id ?? '', new Date(postedAt + 3_600_000));
    const old = gym.instagram.insights(post?.id ?? '', gym.horizon);
    expect(old?.reach ?? 0).toBeGreaterThan(young?.reach ?? 0);
    expect(gym.instagram.insights(post?.id ?? '', new Date(postedAt - 1000))).toBeUndefined();
    // A refunded charge shows its refund only once the refund exists.
    const refund = gym.stripe.refunds(gym.horizon)[0];
    expect(refund).toBeDefined();
    const chargeAt = (c: Date) => gym.stripe.charges(c).find((x) => x.id === refund?.charge);
    expect(chargeAt(new Date((refund?.created ?? 0) * 1000 - 1000))?.amount_refunded).toBe(0);
    expect(chargeAt(gym.horizon)?.amount_refunded).toBeGreaterThanOrEqual(refund?.amount ?? 1);
  });
});

describe('ground truth', () => {
  it('names the true person behind every person-bearing record', () => {
    const c = gym.horizon;
    const ids = [
      ...gym.capitan.customers(c).map((x) => `capitan:customer:${x.id}`),
      ...gym.stripe.customers(c).map((x) => `stripe:customer:${x.id}`),
      ...gym.stripe.charges(c).map((x) => `stripe:charge:${x.id}`),
      ...gym.square.customers(c).map((x) => `square:customer:${x.id}`),
      ...gym.mailchimp.members(LIST, c).map((x) => `mailchimp:member:${x.id}`),
    ];
    for (const id of ids) {
      const person = truthByRecord.get(id);
      expect(person, id).toBeDefined();
      expect(personById.has(person ?? ''), id).toBe(true);
    }
    expect(new Set(gym.truth.records.map((r) => r.record_id)).size).toBe(ids.length);
    const households = new Set(gym.truth.people.map((p) => p.household_id));
    expect(households.size).toBeGreaterThan(80);
    expect(gym.truth.people.length).toBeGreaterThan(150);
    expect(gym.truth.people.length).toBeLessThan(300);
  });

  it('labels lapsed and churned people consistently with their visits', () => {
    const lapsed = gym.truth.people.filter((p) => p.lapsed_on);
    const churned = gym.truth.people.filter((p) => p.churned_on);
    expect(lapsed.length).toBeGreaterThan(0);
    expect(churned.length).toBeGreaterThan(0);
    const accountsOf = new Map<string, number[]>();
    for (const r of gym.truth.records) {
      if (r.source !== 'capitan') continue;
      const id = Number(r.record_id.split(':')[2]);
      accountsOf.set(r.person_id, [...(accountsOf.get(r.person_id) ?? []), id]);
    }
    const checkins = gym.capitan.checkins(gym.asOf);
    for (const p of lapsed) {
      const mine = new Set(accountsOf.get(p.person_id));
      const last = checkins
        .filter((c) => mine.has(c.customer_id))
        .map((c) => c.check_in_datetime.slice(0, 10))
        .sort()
        .at(-1);
      // Lapsed 30 days after the last visit, which is at least 30 days before asOf.
      if (last) expect(Date.parse(p.lapsed_on ?? '') - Date.parse(last)).toBe(30 * DAY);
      expect(Date.parse(p.lapsed_on ?? '')).toBeLessThanOrEqual(gym.asOf.getTime());
    }
  });

  it('puts promo codes only where the real systems keep them: Square order discounts', () => {
    const pis = new Map(gym.stripe.paymentIntents(gym.horizon).map((p) => [p.id, p]));
    const payments = new Map(gym.square.payments(gym.horizon).map((p) => [p.id, p]));
    const orders = new Map(gym.square.orders(gym.horizon).map((o) => [o.id, o]));
    expect(new Set(gym.truth.redemptions.map((r) => r.code_recorded_in))).toEqual(
      new Set(['square_order_discount', 'capitan']),
    );
    for (const r of gym.truth.redemptions) {
      if (r.source === 'stripe') {
        // Charged by Capitan at the discounted price; no field of the intent names the code.
        expect(r.code_recorded_in).toBe('capitan');
        expect(JSON.stringify(pis.get(r.payment_id))).not.toContain(r.code);
      } else {
        expect(r.code_recorded_in).toBe('square_order_discount');
        expect(orders.get(payments.get(r.payment_id)?.order_id ?? '')?.discounts?.[0]?.name).toBe(r.code);
      }
    }
    for (const intent of pis.values()) expect(intent.metadata).toEqual({});
    const codes = new Set(gym.truth.templates.map((t) => t.offer_code));
    expect(gym.truth.redemptions.every((r) => codes.has(r.code))).toBe(true);
  });
});

describe('identity noise', () => {
  const c = gym.horizon;
  const customers = gym.capitan.customers(c);
  const personOf = (id: string) => personById.get(truthByRecord.get(id) ?? '');
  const digits = (s: string | null) => (s ?? '').replace(/\D/g, '').slice(-10);

  it('puts children on a parent’s email and phone', () => {
    const adultEmail = new Map<string, string>();
    const adultPhone = new Map<string, string>();
    for (const x of customers) {
      const p = personOf(`capitan:customer:${x.id}`);
      if (p?.is_minor) continue;
      if (x.email) adultEmail.set(x.email.trim().toLowerCase(), p?.person_id ?? '');
      if (x.telephone) adultPhone.set(digits(x.telephone), p?.person_id ?? '');
    }
    const kids = customers.filter((x) => personOf(`capitan:customer:${x.id}`)?.is_minor);
    expect(kids.some((x) => x.email && adultEmail.has(x.email.trim().toLowerCase()))).toBe(true);
    expect(kids.some((x) => x.telephone && adultPhone.has(digits(x.telephone)))).toBe(true);
  });

  it('writes phones in many formats and emails with stray case and spaces', () => {
    const shapes = new Set(customers.map((x) => x.telephone?.replace(/\d/g, '9')).filter(Boolean));
    expect(shapes.size).toBeGreaterThanOrEqual(4);
    const emails = [
      ...customers.map((x) => x.email),
      ...gym.stripe.customers(c).map((x) => x.email),
      ...gym.square.customers(c).map((x) => x.email_address),
    ].filter((e): e is string => !!e);
    expect(emails.some((e) => e !== e.trim())).toBe(true);
    expect(emails.some((e) => e !== e.toLowerCase())).toBe(true);
    expect(customers.some((x) => x.email === null)).toBe(true);
    expect(customers.some((x) => x.telephone === null)).toBe(true);
    expect(customers.some((x) => x.birthday === null)).toBe(true);
  });

  it('has nicknames, typos, a maiden name, a work email at Stripe and duplicate accounts', () => {
    const formal = new Map([...MALE_FIRST, ...FEMALE_FIRST].map((n) => [n.name, n.nicknames]));
    const firstNames = customers.map((x) => ({ x, p: personOf(`capitan:customer:${x.id}`) }));
    expect(
      firstNames.some(
        ({ x, p }) =>
          x.first_name !== p?.first_name && formal.get(p?.first_name ?? '')?.includes(x.first_name),
      ),
    ).toBe(true);
    expect(customers.some((x) => x.preferred_name !== null)).toBe(true);
    const known = new Set([...formal.keys(), ...[...formal.values()].flat()]);
    expect(firstNames.some(({ x }) => !known.has(x.first_name))).toBe(true);
    // Maiden name: one person, two surnames across records.
    const surnames = new Map<string, Set<string>>();
    for (const x of customers) {
      const p = personOf(`capitan:customer:${x.id}`);
      if (p) surnames.set(p.person_id, new Set([...(surnames.get(p.person_id) ?? []), x.last_name]));
    }
    const married = gym.truth.people.find((p) =>
      [...(surnames.get(p.person_id) ?? [])].some((s) => s !== p.last_name && !s.startsWith(p.last_name)),
    );
    expect(married).toBeDefined();
    const work = gym.stripe.customers(c).filter((s) => WORK_DOMAINS.some((d) => s.email?.endsWith(`@${d}`)));
    const workPeople = new Set(work.map((s) => truthByRecord.get(`stripe:customer:${s.id}`)));
    expect(
      customers.some(
        (x) =>
          workPeople.has(truthByRecord.get(`capitan:customer:${x.id}`)) &&
          x.email &&
          !WORK_DOMAINS.some((d) => x.email?.endsWith(d)),
      ),
    ).toBe(true);
    const accounts = new Map<string, number>();
    for (const r of gym.truth.records)
      if (r.source === 'capitan') accounts.set(r.person_id, (accounts.get(r.person_id) ?? 0) + 1);
    expect([...accounts.values()].some((n) => n >= 2)).toBe(true);
  });

  it('bills a parent for a child’s membership', () => {
    const charges = gym.stripe.charges(c);
    const paidBy = new Map<string, string | undefined>();
    for (const ch of charges) {
      const m = /membership #(\d+) initial/.exec(ch.description ?? '');
      if (m?.[1]) paidBy.set(m[1], truthByRecord.get(`stripe:charge:${ch.id}`));
    }
    const memberships = gym.capitan.memberships(c);
    const parentPays = memberships.filter((m) => {
      const owner = truthByRecord.get(`capitan:customer:${m.owner_id}`);
      const payer = paidBy.get(String(m.id));
      return payer && owner && payer !== owner && personById.get(owner)?.is_minor;
    });
    expect(parentPays.length).toBeGreaterThan(0);
  });

  it('has different people with the same name: Sr. and Jr., and twins at one address', () => {
    const byName = new Map<string, Set<string>>();
    for (const p of gym.truth.people) {
      const key = `${p.first_name} ${p.last_name}`;
      byName.set(key, new Set([...(byName.get(key) ?? []), p.person_id]));
    }
    const shared = [...byName.values()].filter((s) => s.size > 1);
    expect(shared.some((s) => new Set([...s].map((id) => personById.get(id)?.household_id)).size === 1)).toBe(
      true,
    );
    const twins = gym.truth.people.some((a) =>
      gym.truth.people.some(
        (b) => a !== b && a.household_id === b.household_id && a.birth_date === b.birth_date && a.is_minor,
      ),
    );
    expect(twins).toBe(true);
  });

  it('keeps CHI, PRE and SIB relations for some families only', () => {
    const codes = new Set<string>();
    let withRelations = 0;
    for (const x of customers) {
      const relations = gym.capitan.relations(x.id, c);
      if (relations.length > 0) withRelations++;
      for (const r of relations) codes.add(r.relation);
    }
    expect([...codes].sort()).toEqual(['CHI', 'PRE', 'SIB']);
    expect(withRelations).toBeLessThan(customers.length / 2);
  });
});

describe('API shapes', () => {
  const c = gym.horizon;

  it('uses each API’s own date format', () => {
    const capitan = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
    expect(gym.capitan.customers(c).every((x) => capitan.test(x.created_at))).toBe(true);
    expect(
      gym.capitan.checkins(c).every((x) => capitan.test(x.check_in_datetime) && capitan.test(x.created_at)),
    ).toBe(true);
    expect(
      gym.capitan
        .memberships(c)
        .every((x) => capitan.test(x.created_at) && /^\d{4}-\d{2}-\d{2}$/.test(x.start_date)),
    ).toBe(true);
    expect(
      gym.stripe
        .paymentIntents(c)
        .every((x) => Number.isInteger(x.created) && x.created > 1.6e9 && x.created < 2e9),
    ).toBe(true);
    const square = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    expect(gym.square.payments(c).every((x) => square.test(x.created_at))).toBe(true);
    expect(gym.square.orders(c).every((x) => square.test(x.created_at))).toBe(true);
    const mailchimp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;
    expect(gym.mailchimp.campaigns(c).every((x) => mailchimp.test(x.send_time))).toBe(true);
    expect(gym.mailchimp.members(LIST, c).every((x) => mailchimp.test(x.timestamp_opt))).toBe(true);
    expect(
      gym.instagram.media(c).every((x) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/.test(x.timestamp)),
    ).toBe(true);
  });

  it('keeps gym wall-clock time across daylight saving', () => {
    const parts = gym.capitan.events(c).map((e) => e.event_parts[0]);
    const july = parts.find((p) => p?.start_local_date.slice(5, 7) === '07');
    const january = parts.find((p) => p?.start_local_date.slice(5, 7) === '01');
    expect(july?.start_datetime_isoformat.endsWith('-05:00')).toBe(true);
    expect(january?.start_datetime_isoformat.endsWith('-06:00')).toBe(true);
    expect(july?.start_datetime_isoformat.slice(11, 16)).toBe(july?.start_local_time.slice(0, 5));
    // A Capitan check-in is the wall-clock rendering of the same instant Square would show in UTC.
    const clock = new GymClock(gym.timeZone);
    expect(clock.capitanLocal(Date.parse('2025-07-04T20:00:00Z')).startsWith('2025-07-04T15:00:00')).toBe(
      true,
    );
    expect(clock.capitanLocal(Date.parse('2025-01-04T20:00:00Z')).startsWith('2025-01-04T14:00:00')).toBe(
      true,
    );
  });

  it('never leaks ground truth into API payloads', () => {
    const text = snapshot(gym, c);
    for (const key of ['person_id', 'household_id', 'is_effective', 'lapsed_on', 'churned_on', 'is_minor']) {
      expect(text.includes(`"${key}"`), key).toBe(false);
    }
    expect(/"h\d+-(p|s)\d+/.test(text)).toBe(false);
  });

  it('models Stripe descriptions, declines, test payments and late refunds like the real account', () => {
    const pis = gym.stripe.paymentIntents(c);
    expect(pis.some((p) => /^Capitan membership #\d+ renewal payment$/.test(p.description ?? ''))).toBe(true);
    expect(pis.some((p) => /^Capitan membership #\d+ initial payment$/.test(p.description ?? ''))).toBe(true);
    const memberships = new Set(gym.capitan.memberships(c).map((m) => m.id));
    for (const p of pis) {
      const m = /#(\d+)/.exec(p.description ?? '');
      if (m) expect(memberships.has(Number(m[1]))).toBe(true);
    }
    const failed = pis.filter((p) => p.status === 'requires_payment_method');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((p) => p.last_payment_error?.decline_code && p.amount_received === 0)).toBe(true);
    expect(pis.some((p) => !p.livemode)).toBe(true);
    const charges = new Map(gym.stripe.charges(c).map((ch) => [ch.id, ch]));
    const refunds = gym.stripe.refunds(c);
    expect(
      refunds.every(
        (r) => charges.get(r.charge)?.payment_intent === r.payment_intent && r.status === 'succeeded',
      ),
    ).toBe(true);
  });

  it('sells day passes and retail in Square, often without a customer', () => {
    const orders = gym.square.orders(c);
    const variations = new Set(orders.flatMap((o) => o.line_items.map((l) => l.variation_name)));
    expect(variations.has('Day Pass with Gear (Adult 14 and Up)')).toBe(true);
    expect(
      orders.some((o) =>
        o.line_items.some((l) => l.name === 'Chalk' || l.name === 'Gatorade' || l.name === 'Clif Bar'),
      ),
    ).toBe(true);
    const payments = gym.square.payments(c);
    expect(payments.filter((p) => !p.customer_id).length).toBeGreaterThan(payments.length / 2);
    const orderIds = new Set(orders.map((o) => o.id));
    expect(payments.every((p) => orderIds.has(p.order_id))).toBe(true);
  });

  it('writes campaign HTML with style, script, entities and some offers past 4,000 characters', () => {
    const contents = gym.truth.templates.map((t) => ({
      t,
      html: gym.mailchimp.content(t.campaign_id)?.html ?? '',
    }));
    expect(
      contents.every(
        ({ html }) => html.includes('<style') && html.includes('<script') && html.includes('&amp;'),
      ),
    ).toBe(true);
    const withOffer = contents.filter(({ t }) => t.has_offer);
    expect(withOffer.length).toBeGreaterThan(5);
    expect(withOffer.every(({ t, html }) => t.offer_code && html.includes(t.offer_code))).toBe(true);
    expect(withOffer.some(({ t, html }) => html.indexOf(t.offer_code ?? '') > 4000)).toBe(true);
    expect(withOffer.some(({ t }) => t.is_effective)).toBe(true);
    expect(withOffer.some(({ t }) => !t.is_effective)).toBe(true);
    const months = new Map<string, number>();
    for (const camp of gym.mailchimp.campaigns(gym.asOf))
      months.set(camp.send_time.slice(0, 7), (months.get(camp.send_time.slice(0, 7)) ?? 0) + 1);
    const full = [...months.entries()].filter(([m]) => m > '2024-09' && m < '2026-11').map(([, n]) => n);
    expect(Math.min(...full)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...full)).toBeLessThanOrEqual(4);
  });

  it('serves Instagram images as real PNG files', () => {
    const media = gym.instagram.media(c);
    const image = gym.instagram.image(media[0]?.id ?? '');
    expect(image?.contentType).toBe('image/png');
    const bytes = Buffer.from(image?.bytes ?? []);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(bytes.readUInt32BE(16)).toBe(32);
    expect(bytes.readUInt32BE(20)).toBe(32);
    const idatLength = bytes.readUInt32BE(33);
    expect(bytes.subarray(37, 41).toString('ascii')).toBe('IDAT');
    expect(inflateSync(bytes.subarray(41, 41 + idatLength)).length).toBe(32 * (32 * 3 + 1));
    expect(gym.truth.images.length).toBe(gym.instagram.media(gym.horizon).length);
  });
});

describe('gym stats', () => {
  it('counts people, records, shared contacts and date formats', () => {
    const stats = gymStats(gym);
    expect(stats.people.total).toBe(gym.truth.people.length);
    expect(stats.people.adults + stats.people.minors).toBe(stats.people.total);
    expect(stats.records['capitan.customers']).toBe(gym.capitan.customers(gym.asOf).length);
    expect(stats.records['capitan.checkins']).toBe(gym.capitan.checkins(gym.asOf).length);
    expect(stats.recordsPerPerson.mean).toBeGreaterThan(1);
    expect(stats.sharedContacts.emails).toBeGreaterThan(0);
    expect(stats.sharedContacts.phones).toBeGreaterThan(0);
    expect(Object.keys(stats.dateFormats.stripe ?? {})).toEqual(['unix seconds']);
    expect(Object.keys(stats.dateFormats.square ?? {})).toEqual(['RFC 3339 UTC with ms (…Z)']);
    expect(Object.keys(stats.dateFormats.mailchimp ?? {})).toEqual(['ISO 8601 +00:00']);
    expect(Object.keys(stats.dateFormats.instagram ?? {})).toEqual(['ISO 8601 +0000']);
    expect(stats.dateFormats.capitan?.['YYYY-MM-DDTHH:MM:SS.ffffff (local, no offset)']).toBeGreaterThan(0);
    const text = formatGymStats(stats);
    expect(text).toContain('capitan.checkins');
    expect(text).toContain('Shared contacts');
  });
});
