import type { IdentityRecord } from '../identity/input.ts';
import type { SandboxDataset } from '../sandbox/dataset.ts';

/**
 * The sandbox gym's person-bearing records in the resolver's input shape, read straight from the
 * dataset's API views at `clock`, with each record's true person beside it. The benchmark and the
 * acceptance test use it to measure the resolver against the generator's truth without running the
 * fetchers; in the daily run the same records come from the lake's `stg_identity_records`.
 */
export interface LabelledRecords {
  records: IdentityRecord[];
  /** record_id → true person id. */
  truth: Map<string, string>;
  /** true person id → true household id. */
  households: Map<string, string>;
}

const MEMBERSHIP_IN_DESCRIPTION = /Capitan membership #(\d+)/;

export function sandboxIdentityRecords(dataset: SandboxDataset, clock: Date = dataset.asOf): LabelledRecords {
  const records: IdentityRecord[] = [];
  const customers = dataset.capitan.customers(clock);
  const memberships = dataset.capitan.memberships(clock);
  const ownerOf = new Map(memberships.map((m) => [m.id, String(m.owner_id)]));

  const hints = new Map<number, string[]>();
  const addHint = (customerId: number, hint: string) => {
    const list = hints.get(customerId) ?? [];
    if (!list.includes(hint)) list.push(hint);
    hints.set(customerId, list);
  };
  for (const m of memberships) {
    if (m.all_customers.length < 2) continue;
    for (const member of m.all_customers) addHint(member.id, `membership:${m.id}`);
  }
  // A parent and all their children share `family:<parent>`; siblings share a `siblings:` key.
  for (const c of customers) {
    for (const r of dataset.capitan.relations(c.id, clock)) {
      const key =
        r.relation === 'CHI'
          ? `family:${c.id}`
          : r.relation === 'PRE'
            ? `family:${r.related_customer_id}`
            : `siblings:${Math.min(c.id, r.related_customer_id)}-${Math.max(c.id, r.related_customer_id)}`;
      addHint(c.id, key);
      addHint(r.related_customer_id, key);
    }
  }

  for (const c of customers) {
    records.push({
      record_id: `capitan:customer:${c.id}`,
      source: 'capitan',
      first_name: c.first_name,
      last_name: c.last_name,
      preferred_name: c.preferred_name,
      email: c.email,
      phone: c.telephone,
      birth_date: c.birthday,
      capitan_customer_id: String(c.id),
      household_hint: hints.get(c.id)?.join('|') ?? null,
      seen_at: c.created_at,
    });
  }
  for (const c of dataset.stripe.customers(clock)) {
    records.push({
      record_id: `stripe:customer:${c.id}`,
      source: 'stripe',
      full_name: c.name,
      email: c.email,
      phone: c.phone,
      stripe_customer_id: c.id,
      seen_at: new Date(c.created * 1000).toISOString(),
    });
  }
  for (const ch of dataset.stripe.charges(clock)) {
    if (!ch.livemode) continue;
    const membership = MEMBERSHIP_IN_DESCRIPTION.exec(ch.description ?? '');
    records.push({
      record_id: `stripe:charge:${ch.id}`,
      source: 'stripe',
      full_name: ch.billing_details.name,
      email: ch.billing_details.email ?? ch.receipt_email,
      phone: ch.billing_details.phone,
      stripe_customer_id: ch.customer,
      membership_owner_id: membership ? (ownerOf.get(Number(membership[1])) ?? null) : null,
      seen_at: new Date(ch.created * 1000).toISOString(),
    });
  }
  for (const c of dataset.square.customers(clock)) {
    records.push({
      record_id: `square:customer:${c.id}`,
      source: 'square',
      first_name: c.given_name ?? null,
      last_name: c.family_name ?? null,
      email: c.email_address ?? null,
      phone: c.phone_number ?? null,
      birth_date: c.birthday ?? null,
      square_customer_id: c.id,
      seen_at: c.created_at,
    });
  }
  for (const list of dataset.mailchimp.lists(clock)) {
    for (const m of dataset.mailchimp.members(list.id, clock)) {
      records.push({
        record_id: `mailchimp:member:${m.id}`,
        source: 'mailchimp',
        first_name: m.merge_fields.FNAME || null,
        last_name: m.merge_fields.LNAME || null,
        email: m.email_address,
        phone: m.merge_fields.PHONE ?? null,
        seen_at: m.timestamp_signup,
      });
    }
  }

  const truth = new Map(dataset.truth.records.map((r) => [r.record_id, r.person_id]));
  const households = new Map(dataset.truth.people.map((p) => [p.person_id, p.household_id]));
  return { records, truth, households };
}
