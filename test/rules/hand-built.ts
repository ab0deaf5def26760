import path from 'node:path';
import { Lake } from '../../src/lake/lake.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { Database } from '../../src/sql/database.ts';

export const TIME_ZONE = 'America/Chicago';

/** `day` plus `n` days, both YYYY-MM-DD. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

interface Customer {
  customerId: string;
  email: string | null;
  householdId: string;
  isMinor: boolean;
  firstName: string;
  lastName: string;
  /** The Capitan account, and the day it was created. */
  capitan: { id: string; createdOn: string } | null;
}

interface Event {
  customerId: string | null;
  day: string;
  type: string;
  details: Record<string, unknown>;
}

export interface MembershipSpec {
  id: string;
  name?: string;
  start: string;
  /** The day it ended (status END); absent while it runs. */
  end?: string;
  isOwner?: boolean;
  fixedTerm?: boolean;
  freezes?: { on: string; until: string }[];
}

/**
 * A hand-built world for the rules: customers and their timeline, written into a lake as the core
 * tables the rules read (customer_events, customer_master, customer_identifiers, churn_scores, and
 * the customer_memberships model built from the events) plus the Capitan accounts.
 */
export class HandBuilt {
  private readonly customers = new Map<string, Customer>();
  private readonly events: Event[] = [];
  private readonly churnScores: { customerId: string; day: string; probability: number }[] = [];
  private sequence = 0;

  customer(customerId: string, options: Partial<Omit<Customer, 'customerId'>> = {}): this {
    this.customers.set(customerId, {
      customerId,
      email: options.email === undefined ? `${customerId}@example.net` : options.email,
      householdId: options.householdId ?? `h-${customerId}`,
      isMinor: options.isMinor ?? false,
      firstName: options.firstName ?? 'Pat',
      lastName: options.lastName ?? customerId,
      capitan:
        options.capitan === undefined
          ? { id: String(1000 + this.customers.size), createdOn: '2020-01-01' }
          : options.capitan,
    });
    return this;
  }

  event(customerId: string | null, type: string, day: string, details: Record<string, unknown> = {}): this {
    if (customerId && !this.customers.has(customerId)) this.customer(customerId);
    this.events.push({ customerId, day, type, details });
    return this;
  }

  checkin(customerId: string, day: string, options: { dayPass?: boolean } = {}): this {
    return this.event(customerId, 'checkin', day, {
      entry_method: options.dayPass ? 'ENT' : 'MEM',
      is_day_pass: options.dayPass ?? false,
      is_guest_pass: false,
    });
  }

  /** Check-ins on each of `count` consecutive days ending `lastDay`, every `step` days. */
  checkins(customerId: string, lastDay: string, count: number, step = 1): this {
    for (let i = 0; i < count; i++) this.checkin(customerId, addDays(lastDay, -i * step));
    return this;
  }

  membership(customerId: string, spec: MembershipSpec): this {
    const name = spec.name ?? 'Solo Weekly';
    const details = {
      membership_id: spec.id,
      membership_name: name,
      is_owner: spec.isOwner ?? true,
      is_two_week_pass: /2[- ]week/i.test(name),
      is_fixed_term: spec.fixedTerm ?? /2[- ]week/i.test(name),
      is_team_dues: false,
      frequency: 'bi_weekly',
      billing_amount: 38,
    };
    this.event(customerId, 'membership_started', spec.start, details);
    if (spec.end) this.event(customerId, 'membership_cancelled', spec.end, details);
    for (const f of spec.freezes ?? [])
      this.event(customerId, 'membership_frozen', f.on, { ...details, frozen_until_date: f.until });
    return this;
  }

  /** The churn model's score for the customer on `day`, as the daily run's churn step writes it. */
  churnScore(customerId: string, day: string, probability: number): this {
    if (!this.customers.has(customerId)) this.customer(customerId);
    this.churnScores.push({ customerId, day, probability });
    return this;
  }

  /** Writes the world into the lake's core tables, replacing what was there, as a rebuild would. */
  async write(db: Database): Promise<void> {
    await db.run(
      `create or replace temp table hb_events (customer_id varchar, day varchar, event_type varchar, details varchar, seq varchar)`,
    );
    await db.appendRows(
      'hb_events',
      this.events.map((e) => [
        e.customerId,
        e.day,
        e.type,
        JSON.stringify(e.details),
        String(this.sequence++),
      ]),
    );
    await db.writeSelect(
      'core/customer_events',
      `select
         md5_number_lower(seq || event_type) as event_id,
         customer_id,
         timezone($time_zone, (day || ' 12:00:00')::timestamp) as event_date,
         day::date as event_local_date,
         event_type,
         'hand-built' as event_source,
         case when customer_id is null then 'unmatched' else 'exact' end as source_confidence,
         case when customer_id is null then null else 'capitan_customer_id' end as match_step,
         details::json as event_details,
         seq as source_record_id
       from hb_events`,
      { time_zone: TIME_ZONE },
    );
    const customers = [...this.customers.values()];
    await db.run(
      `create or replace temp table hb_customers (customer_id varchar, email varchar, household_id varchar,
         is_minor varchar, first_name varchar, last_name varchar, capitan_id varchar, capitan_created varchar)`,
    );
    await db.appendRows(
      'hb_customers',
      customers.map((c) => [
        c.customerId,
        c.email,
        c.householdId,
        String(c.isMinor),
        c.firstName,
        c.lastName,
        c.capitan?.id ?? null,
        c.capitan?.createdOn ?? null,
      ]),
    );
    await db.writeSelect(
      'core/customer_master',
      `select customer_id, first_name, last_name, email, null::varchar as phone, is_minor::boolean as is_minor,
              household_id
       from hb_customers`,
    );
    await db.writeSelect(
      'core/customer_identifiers',
      `select customer_id, 'email' as identifier_type, email as identifier_value, email as normalized_value,
              false as is_shared, 'capitan' as source, 'capitan:customer:' || capitan_id as source_record_id,
              'exact' as confidence, 'hand-built' as match_rule
       from hb_customers where email is not null
       union all
       select customer_id, 'capitan_customer_id', capitan_id, capitan_id, false, 'capitan',
              'capitan:customer:' || capitan_id, 'exact', 'hand-built'
       from hb_customers where capitan_id is not null`,
    );
    await db.writeSelect(
      'staging/stg_capitan__customers',
      `select capitan_id as customer_id, timezone($time_zone, (capitan_created || ' 09:00:00')::timestamp) as created_at
       from hb_customers where capitan_id is not null`,
      { time_zone: TIME_ZONE },
    );
    await db.run(
      'create or replace temp table hb_churn_scores (customer_id varchar, day varchar, probability varchar)',
    );
    await db.appendRows(
      'hb_churn_scores',
      this.churnScores.map((c) => [c.customerId, c.day, String(c.probability)]),
    );
    await db.writeSelect(
      'core/churn_scores',
      `select customer_id, day::date as as_of, probability::double as probability,
              case when probability::double >= 0.3 then 'high' else 'low' end as risk_band,
              ['visits down 60% vs their usual rate'] as reasons
       from hb_churn_scores`,
    );
    const runner = await openRunner(db);
    await runner.build(
      runner.graph.select((m) => ['customer_memberships', 'capitan_accounts'].includes(m.name)),
    );
  }
}

/** A database over a fresh lake in `dir`. */
export async function openLake(dir: string): Promise<Database> {
  return Database.open(new Lake({ kind: 'local', dir: path.join(dir, 'lake') }), { timeZone: TIME_ZONE });
}
