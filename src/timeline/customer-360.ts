import { parsePhoneKey, phoneKey } from '../identity/phones.ts';
import type { Database, Row } from '../sql/database.ts';

export interface Customer360 {
  customer: Row;
  identifiers: Row[];
  household: { household_id: string | null; members: Row[] };
  flags: Row[];
  flagHistory: Row[];
  /** Newest first: the customer's events and the system events about them (flags set and cleared). */
  timeline: Row[];
  totalEvents: number;
}

/**
 * The customers a lookup names: a customer id (or an id merged into one), an email, a phone, or a
 * source account id (Capitan, Stripe, Square). An address a family shares names all its holders.
 */
export async function findCustomers(db: Database, lookup: string): Promise<string[]> {
  const text = lookup.trim();
  const views = await db.viewNames();
  const found = new Set<string>();
  const add = (rows: Row[]) => {
    for (const r of rows) found.add(String(r.customer_id));
  };
  add(await db.query('select customer_id from customer_master where customer_id = $id', { id: text }));
  if (found.size === 0 && views.has('customer_id_aliases')) {
    add(await db.query('select customer_id from customer_id_aliases where alias_id = $id', { id: text }));
  }
  if (found.size > 0) return [...found];

  if (text.includes('@')) {
    add(
      await db.query(
        `select distinct customer_id from customer_identifiers
         where identifier_type = 'email' and normalized_value = lower($email) order by 1`,
        { email: text },
      ),
    );
    return [...found];
  }
  const key = phoneKey(text);
  const phone = key ? parsePhoneKey(key).e164 : null;
  if (phone) {
    add(
      await db.query(
        `select distinct customer_id from customer_identifiers
         where identifier_type = 'phone' and normalized_value = $phone order by 1`,
        { phone },
      ),
    );
  }
  add(
    await db.query(
      `select distinct customer_id from customer_identifiers
       where identifier_type in ('capitan_customer_id', 'stripe_customer_id', 'square_customer_id')
         and identifier_value = $id order by 1`,
      { id: text },
    ),
  );
  return [...found];
}

/** Everything known about one customer, with at most `limit` timeline entries. */
export async function customer360(db: Database, customerId: string, limit: number): Promise<Customer360> {
  const views = await db.viewNames();
  const id = { id: customerId };
  const [customer] = await db.query('select * from customer_master where customer_id = $id', id);
  if (!customer) throw new Error(`no customer ${customerId}`);

  const identifiers = await db.query(
    `select identifier_type, identifier_value, source, source_record_id, confidence, is_shared, match_rule
     from customer_identifiers where customer_id = $id order by identifier_type, identifier_value, source_record_id`,
    id,
  );
  const householdId = customer.household_id === null ? null : String(customer.household_id);
  const members = householdId
    ? await db.query(
        `select customer_id, first_name, last_name, email, is_minor, birth_date
         from customer_master where household_id = $household order by is_minor, customer_id`,
        { household: householdId },
      )
    : [];

  const flags = views.has('customer_flags')
    ? await db.query(
        `select flag_type, priority, flag_date, first_flagged_at, last_seen_at, flag_details
         from customer_flags where customer_id = $id order by flag_type`,
        id,
      )
    : [];
  const flagHistory = views.has('flag_history')
    ? await db.query(
        `select flag_type, first_flagged_at, last_seen_at, cleared_at
         from flag_history where customer_id = $id order by first_flagged_at desc, flag_type`,
        id,
      )
    : [];

  const campaigns = views.has('email_campaigns')
    ? 'select campaign_id, title from email_campaigns'
    : 'select null::varchar as campaign_id, null::varchar as title where false';
  const systemEvents = views.has('system_events')
    ? `select event_date, event_type, 'system' as event_source, null as source_confidence, event_details,
              null as campaign_title
       from system_events where customer_id = $id`
    : '';
  const timeline = await db.query(
    `select * from (
       select e.event_date, e.event_type, e.event_source, e.source_confidence, e.event_details,
              c.title as campaign_title
       from customer_events as e
       left join (${campaigns}) as c on c.campaign_id = (e.event_details->>'campaign_id')
       where e.customer_id = $id
       ${systemEvents ? `union all by name ${systemEvents}` : ''}
     )
     order by event_date desc, event_type
     limit $limit`,
    { ...id, limit },
  );
  const [total] = await db.query(
    'select count(*)::bigint as n from customer_events where customer_id = $id',
    id,
  );
  return {
    customer,
    identifiers,
    household: { household_id: householdId, members },
    flags,
    flagHistory,
    timeline,
    totalEvents: Number(total?.n ?? 0),
  };
}

/** A one-line account of an event, from its details. */
export function summarise(event: Row): string {
  const d = parseDetails(event.event_details);
  const text = (key: string) => (d[key] === null || d[key] === undefined ? '' : String(d[key]));
  const type = String(event.event_type);
  if (type === 'checkin') return text('entry_method_description');
  if (type === 'membership_started' || type === 'membership_cancelled' || type === 'membership_frozen')
    return [text('membership_name'), type === 'membership_frozen' ? `until ${text('frozen_until_date')}` : '']
      .filter(Boolean)
      .join(' ');
  if (type.startsWith('email_')) return String(event.campaign_title ?? text('campaign_id'));
  if (type === 'flag_set' || type === 'flag_cleared') return `${text('flag_type')} (${text('priority')})`;
  if (type === 'payment_failed') return `${text('description')} $${text('amount')}: ${text('failure_code')}`;
  return [text('description'), d.amount === undefined ? '' : `$${text('amount')}`].filter(Boolean).join(' ');
}

function parseDetails(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value === 'string') return JSON.parse(value) as Record<string, unknown>;
  return value as Record<string, unknown>;
}
