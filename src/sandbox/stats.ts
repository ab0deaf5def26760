/**
 * Figures about a sandbox gym, for `sandbox stats`: who is in it, how many records each API holds,
 * how records spread over people, which contacts households share, and which date formats each
 * source uses.
 */
import type { SandboxDataset, SourceName } from './dataset.ts';

export interface GymStats {
  seed: number;
  asOf: string;
  horizon: string;
  clock: string;
  people: {
    total: number;
    adults: number;
    minors: number;
    households: number;
    lapsed: number;
    churned: number;
  };
  /** Records visible at the clock, per `source.stream`. */
  records: Record<string, number>;
  /** Person-bearing records per true person. */
  recordsPerPerson: { mean: number; median: number; max: number; bySource: Record<SourceName, number> };
  /** Contacts written on the records of more than one true person (a family sharing an email, say). */
  sharedContacts: {
    emails: number;
    phones: number;
    peopleOnSharedEmail: number;
    peopleOnSharedPhone: number;
  };
  /** Per source, how many date values take each format. */
  dateFormats: Record<string, Record<string, number>>;
}

const FORMATS: readonly (readonly [string, RegExp])[] = [
  ['YYYY-MM-DDTHH:MM:SS.ffffff (local, no offset)', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/],
  ['YYYY-MM-DD', /^\d{4}-\d{2}-\d{2}$/],
  ['RFC 3339 UTC with ms (…Z)', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/],
  ['ISO 8601 +00:00', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/],
  ['ISO 8601 +0000', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/],
  ['ISO 8601 with local offset', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/],
];

function formatOf(value: unknown): string {
  if (typeof value === 'number') return 'unix seconds';
  if (typeof value !== 'string' || value === '') return 'empty';
  for (const [name, pattern] of FORMATS) if (pattern.test(value)) return name;
  return 'other';
}

function tally(into: Record<string, number>, values: Iterable<unknown>): void {
  for (const value of values) {
    const format = formatOf(value);
    into[format] = (into[format] ?? 0) + 1;
  }
}

const normEmail = (email: string): string => email.trim().toLowerCase();
const normPhone = (phone: string): string => phone.replace(/\D/g, '').slice(-10);

export function gymStats(dataset: SandboxDataset, clock: Date = dataset.asOf): GymStats {
  const { capitan, stripe, square, mailchimp, instagram, truth } = dataset;
  const customers = capitan.customers(clock);
  const memberships = capitan.memberships(clock);
  const checkins = capitan.checkins(clock);
  const associationMembers = capitan.associationMembers(clock);
  const events = capitan.events(clock);
  const stripeCustomers = stripe.customers(clock);
  const paymentIntents = stripe.paymentIntents(clock);
  const charges = stripe.charges(clock);
  const refunds = stripe.refunds(clock);
  const squareCustomers = square.customers(clock);
  const payments = square.payments(clock);
  const orders = square.orders(clock);
  const squareRefunds = square.refunds(clock);
  const listId = mailchimp.lists(clock)[0]?.id ?? '';
  const members = mailchimp.members(listId, clock);
  const campaigns = mailchimp.campaigns(clock);
  const activity = campaigns.flatMap((c) => mailchimp.emailActivity(c.id, clock));
  const media = instagram.media(clock);
  const relations = customers.reduce((n, c) => n + capitan.relations(c.id, clock).length, 0);

  const records: Record<string, number> = {
    'capitan.customers': customers.length,
    'capitan.customer_memberships': memberships.length,
    'capitan.checkins': checkins.length,
    'capitan.associations': capitan.associations(clock).length,
    'capitan.association_members': associationMembers.length,
    'capitan.events': events.length,
    'capitan.relations': relations,
    'stripe.customers': stripeCustomers.length,
    'stripe.payment_intents': paymentIntents.length,
    'stripe.refunds': refunds.length,
    'square.locations': square.locations().length,
    'square.customers': squareCustomers.length,
    'square.payments': payments.length,
    'square.orders': orders.length,
    'square.refunds': squareRefunds.length,
    'mailchimp.campaigns': campaigns.length,
    'mailchimp.members': members.length,
    'mailchimp.email_activity': activity.length,
    'instagram.media': media.length,
  };

  // Truth covers records up to the horizon; count only those visible at the clock.
  const visible = new Set<string>([
    ...customers.map((c) => `capitan:customer:${c.id}`),
    ...stripeCustomers.map((c) => `stripe:customer:${c.id}`),
    ...charges.map((c) => `stripe:charge:${c.id}`),
    ...squareCustomers.map((c) => `square:customer:${c.id}`),
    ...members.map((m) => `mailchimp:member:${m.id}`),
  ]);
  const perPerson = new Map<string, number>();
  const bySource: Record<SourceName, number> = { capitan: 0, stripe: 0, square: 0, mailchimp: 0 };
  for (const r of truth.records) {
    if (!visible.has(r.record_id)) continue;
    perPerson.set(r.person_id, (perPerson.get(r.person_id) ?? 0) + 1);
    bySource[r.source]++;
  }
  const counts = [...perPerson.values()].sort((a, b) => a - b);
  const people = perPerson.size;
  for (const source of Object.keys(bySource) as SourceName[])
    bySource[source] = people ? bySource[source] / people : 0;

  // Shared contacts: the same email or phone on records of different true people.
  const personOf = new Map(truth.records.map((r) => [r.record_id, r.person_id]));
  const emailPeople = new Map<string, Set<string>>();
  const phonePeople = new Map<string, Set<string>>();
  const note = (map: Map<string, Set<string>>, key: string, person: string | undefined) => {
    if (!key || !person) return;
    const set = map.get(key) ?? new Set<string>();
    set.add(person);
    map.set(key, set);
  };
  for (const c of customers) {
    const person = personOf.get(`capitan:customer:${c.id}`);
    if (c.email) note(emailPeople, normEmail(c.email), person);
    if (c.telephone) note(phonePeople, normPhone(c.telephone), person);
  }
  for (const c of stripeCustomers) {
    const person = personOf.get(`stripe:customer:${c.id}`);
    if (c.email) note(emailPeople, normEmail(c.email), person);
    if (c.phone) note(phonePeople, normPhone(c.phone), person);
  }
  for (const c of squareCustomers) {
    const person = personOf.get(`square:customer:${c.id}`);
    if (c.email_address) note(emailPeople, normEmail(c.email_address), person);
    if (c.phone_number) note(phonePeople, normPhone(c.phone_number), person);
  }
  for (const m of members)
    note(emailPeople, normEmail(m.email_address), personOf.get(`mailchimp:member:${m.id}`));
  const shared = (map: Map<string, Set<string>>) => [...map.values()].filter((s) => s.size > 1);
  const sharedEmails = shared(emailPeople);
  const sharedPhones = shared(phonePeople);

  const dateFormats: Record<string, Record<string, number>> = {
    capitan: {},
    stripe: {},
    square: {},
    mailchimp: {},
    instagram: {},
  };
  const cap = dateFormats.capitan as Record<string, number>;
  tally(
    cap,
    customers.map((c) => c.created_at),
  );
  tally(
    cap,
    customers.map((c) => c.birthday),
  );
  tally(
    cap,
    memberships.flatMap((m) => [m.created_at, m.start_date, m.end_date]),
  );
  tally(
    cap,
    checkins.map((c) => c.check_in_datetime),
  );
  tally(
    cap,
    events.flatMap((e) => [e.created_at, e.event_parts[0]?.start_datetime_isoformat]),
  );
  tally(
    dateFormats.stripe as Record<string, number>,
    [...paymentIntents, ...stripeCustomers, ...refunds].map((x) => x.created),
  );
  tally(
    dateFormats.square as Record<string, number>,
    [...payments, ...orders, ...squareCustomers].map((x) => x.created_at),
  );
  tally(dateFormats.mailchimp as Record<string, number>, [
    ...campaigns.map((c) => c.send_time),
    ...members.map((m) => m.timestamp_opt),
  ]);
  tally(
    dateFormats.instagram as Record<string, number>,
    media.map((m) => m.timestamp),
  );

  const peopleTruth = truth.people;
  return {
    seed: dataset.seed,
    asOf: dataset.asOf.toISOString(),
    horizon: dataset.horizon.toISOString(),
    clock: clock.toISOString(),
    people: {
      total: peopleTruth.length,
      adults: peopleTruth.filter((p) => !p.is_minor).length,
      minors: peopleTruth.filter((p) => p.is_minor).length,
      households: new Set(peopleTruth.map((p) => p.household_id)).size,
      lapsed: peopleTruth.filter((p) => p.lapsed_on).length,
      churned: peopleTruth.filter((p) => p.churned_on).length,
    },
    records,
    recordsPerPerson: {
      mean: people ? counts.reduce((a, b) => a + b, 0) / people : 0,
      median: counts[Math.floor(counts.length / 2)] ?? 0,
      max: counts[counts.length - 1] ?? 0,
      bySource,
    },
    sharedContacts: {
      emails: sharedEmails.length,
      phones: sharedPhones.length,
      peopleOnSharedEmail: new Set(sharedEmails.flatMap((s) => [...s])).size,
      peopleOnSharedPhone: new Set(sharedPhones.flatMap((s) => [...s])).size,
    },
    dateFormats,
  };
}

const num = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

export function formatGymStats(stats: GymStats): string {
  const lines: string[] = [];
  lines.push(
    `Sandbox gym (seed ${stats.seed}) at ${stats.clock}; history to ${stats.asOf}, horizon ${stats.horizon}`,
  );
  const p = stats.people;
  lines.push(
    `People: ${num(p.total)} (${num(p.adults)} adults, ${num(p.minors)} minors) in ${num(p.households)} households; ` +
      `${num(p.lapsed)} lapsed, ${num(p.churned)} churned`,
  );
  lines.push('', 'Records per stream:');
  const width = Math.max(...Object.keys(stats.records).map((k) => k.length));
  for (const [stream, count] of Object.entries(stats.records))
    lines.push(`  ${stream.padEnd(width)}  ${num(count).padStart(10)}`);
  const r = stats.recordsPerPerson;
  lines.push(
    '',
    `Person-bearing records per person: mean ${num(r.mean)}, median ${r.median}, max ${r.max}`,
    `  per source: ${Object.entries(r.bySource)
      .map(([s, n]) => `${s} ${num(n)}`)
      .join(', ')}`,
  );
  const s = stats.sharedContacts;
  lines.push(
    '',
    `Shared contacts: ${num(s.emails)} emails used by ${num(s.peopleOnSharedEmail)} people; ` +
      `${num(s.phones)} phones used by ${num(s.peopleOnSharedPhone)} people`,
  );
  lines.push('', 'Date formats:');
  for (const [source, formats] of Object.entries(stats.dateFormats)) {
    const parts = Object.entries(formats)
      .sort((a, b) => b[1] - a[1])
      .map(([f, n]) => `${f}: ${num(n)}`);
    lines.push(`  ${source}: ${parts.join('; ')}`);
  }
  return lines.join('\n');
}
