/**
 * Writes one household unit's activity into API-shaped records: Capitan accounts and check-ins,
 * Stripe customers/payments/refunds, Square customers/orders/payments/refunds. It also records the
 * ground truth of every person-bearing record as it is written.
 */
import { createHash } from 'node:crypto';
import type {
  CapitanCheckin,
  CapitanEntryMethod,
  SquareLineItem,
  SquareOrder,
  SquareOrderDiscount,
  StripeCharge,
  StripeCustomer,
} from '../dataset.ts';
import { CAPITAN_API_BASE, CAPITAN_LOCATION, DECLINES, SQUARE_LOCATION_ID } from './catalog.ts';
import type { GenContext, IdCounters } from './context.ts';
import { type CustomerFact, emptyOutput, type HouseholdOutput, type Timed } from './facts.ts';
import { deskPhone, formatPhone, lastNameOn, type Person, typedEmail, typo } from './people.ts';
import type { Rng } from './prng.ts';
import { DAY_MS, squareTime, stripeTime } from './time.ts';

const SQUARE_ID = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SQUARE_ID_MIXED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TAX_RATE = 0.0825;

export const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

export interface Promo {
  code: string;
  percentOff: number | null;
  centsOff: number | null;
}

export interface SaleLine {
  name: string;
  variation: string;
  quantity: number;
  unitCents: number;
}

interface PendingCheckin {
  account: CustomerFact;
  at: number;
  method: CapitanEntryMethod;
  description: string;
  freeReason: string | null;
}

/** Per-person choices about how they appear in each system, drawn once. */
interface Presentation {
  capitanFirst: string;
  preferred: string | null;
  billingName: (day: number) => string;
  stripeEmail: string | null;
}

export class Ledger {
  readonly out: HouseholdOutput = emptyOutput();
  private readonly accounts = new Map<string, CustomerFact[]>();
  private readonly stripeCustomers = new Map<string, Timed<StripeCustomer>>();
  private readonly squareCustomers = new Map<string, string>();
  private readonly presentations = new Map<string, Presentation>();
  private readonly pending: PendingCheckin[] = [];

  constructor(
    private readonly ctx: GenContext,
    private readonly ids: IdCounters,
    private readonly rng: Rng,
  ) {}

  private present(p: Person): Presentation {
    const known = this.presentations.get(p.personId);
    if (known) return known;
    const nickname = p.first.nicknames.length > 0 ? this.rng.pick(p.first.nicknames) : null;
    const nicknameAsFirst = p.usesNickname && nickname !== null && this.rng.chance(0.55);
    const cardStyle = this.rng.weighted<'formal' | 'nick' | 'upper' | 'initial'>([
      ['formal', 68],
      ['nick', p.usesNickname ? 20 : 0],
      ['upper', 8],
      ['initial', 6],
    ]);
    const initial = String.fromCharCode(65 + this.rng.int(0, 25));
    const ownEmail = p.email && !p.emailIsShared ? p.email : null;
    const stripeEmail = p.workEmail ?? (ownEmail ? typedEmail(this.rng, ownEmail, 0.03) : null);
    const presentation: Presentation = {
      capitanFirst:
        nicknameAsFirst && nickname
          ? nickname
          : p.misspelledAtDesk
            ? typo(this.rng, p.first.name)
            : p.first.name,
      preferred: p.usesNickname && !nicknameAsFirst ? nickname : null,
      billingName: (day) => {
        const last = `${lastNameOn(p, day)}${p.suffix && this.rng.chance(0.5) ? ` ${p.suffix}` : ''}`;
        switch (cardStyle) {
          case 'nick':
            return `${nickname ?? p.first.name} ${last}`;
          case 'upper':
            return `${p.first.name} ${last}`.toUpperCase();
          case 'initial':
            return `${p.first.name} ${initial} ${last}`;
          default:
            return `${p.first.name} ${last}`;
        }
      },
      stripeEmail,
    };
    this.presentations.set(p.personId, presentation);
    return presentation;
  }

  // ---------- Capitan ----------

  /** The account the person uses at `at` (the newest one they have), created if they have none. */
  account(p: Person, at: number): CustomerFact {
    const list = this.accounts.get(p.personId);
    if (list && list.length > 0) {
      let chosen = list[0] as CustomerFact;
      for (const a of list) if (a.at <= at) chosen = a;
      return chosen;
    }
    return this.openAccount(p, at, p.oldEmail ?? p.email);
  }

  hasAccount(p: Person): boolean {
    return (this.accounts.get(p.personId)?.length ?? 0) > 0;
  }

  /** Opens a Capitan account, e.g. a second one for someone who forgot the first. */
  openAccount(p: Person, at: number, email: string | null, opts: { firstName?: string } = {}): CustomerFact {
    const view = this.present(p);
    const id = this.ids.customer++;
    const day = this.ctx.clock.localDay(at);
    const minor = day - p.birthDay < 18 * 365.25;
    const birthdayKnown = minor || !this.rng.chance(0.09);
    const suffix = p.suffix === 'Jr.' && this.rng.chance(0.5) ? ' Jr.' : '';
    const fact: CustomerFact = {
      at,
      value: {
        id,
        first_name: opts.firstName ?? view.capitanFirst,
        last_name: `${lastNameOn(p, day)}${suffix}`,
        preferred_name: view.preferred,
        email: email ? typedEmail(this.rng, email, 0.05) : null,
        telephone: p.phone && this.rng.chance(minor ? 0.9 : 0.85) ? deskPhone(this.rng, p.phone) : null,
        birthday: birthdayKnown ? this.ctx.clock.dayToIso(p.birthDay) : null,
        has_opted_in_to_marketing: email !== null && p.marketingOptIn,
        relations_url: `${CAPITAN_API_BASE}customers/${id}/relations/`,
        emergency_contacts_url: `${CAPITAN_API_BASE}customers/${id}/emergency-contacts/`,
        created_at: this.ctx.clock.capitanLocal(at, this.rng.int(0, 999_999)),
      },
      waiverDays: [],
      membershipIds: [],
    };
    const list = this.accounts.get(p.personId) ?? [];
    list.push(fact);
    this.accounts.set(p.personId, list);
    this.out.customers.push(fact);
    this.out.records.push({ source: 'capitan', record_id: `capitan:customer:${id}`, person_id: p.personId });
    return fact;
  }

  accountsOf(p: Person): CustomerFact[] {
    return this.accounts.get(p.personId) ?? [];
  }

  checkin(
    p: Person,
    at: number,
    method: CapitanEntryMethod,
    description: string,
    freeReason: string | null = null,
  ): void {
    this.pending.push({ account: this.account(p, at), at, method, description, freeReason });
  }

  // ---------- Stripe ----------

  billingName(p: Person, at: number): string {
    return this.present(p).billingName(this.ctx.clock.localDay(at));
  }

  stripeEmail(p: Person): string | null {
    const own = this.present(p).stripeEmail;
    if (own) return own;
    return p.guardian ? this.stripeEmail(p.guardian) : null;
  }

  stripeCustomer(p: Person, at: number): string {
    const known = this.stripeCustomers.get(p.personId);
    if (known) {
      // Payments are not generated in time order: the customer exists from the person's first payment.
      if (at < known.at) {
        known.at = at;
        known.value.created = stripeTime(at);
      }
      return known.value.id;
    }
    const id = `cus_${this.rng.base62(14)}`;
    const customer: StripeCustomer = {
      id,
      object: 'customer',
      created: stripeTime(at),
      email: this.stripeEmail(p),
      name: this.rng.chance(0.93) ? this.billingName(p, at) : null,
      phone: p.phone && this.rng.chance(0.3) ? formatPhone(p.phone, 'e164') : null,
      livemode: true,
      metadata: {},
    };
    const timed = { at, value: customer };
    this.stripeCustomers.set(p.personId, timed);
    this.out.stripeCustomers.push(timed);
    this.out.records.push({ source: 'stripe', record_id: `stripe:customer:${id}`, person_id: p.personId });
    return id;
  }

  /**
   * One Stripe payment (PaymentIntent and its charge), succeeded or declined, maybe refunded later. A
   * promo lowers the amount only: Capitan and Calendly create plain payment intents, which carry no
   * discount (Stripe keeps promotion codes on Checkout Sessions, invoices and subscriptions).
   */
  stripePayment(args: {
    payer: Person;
    at: number;
    cents: number;
    description: string | null;
    withCustomer: boolean;
    promo?: Promo;
    declined?: boolean;
    livemode?: boolean;
  }): { paymentIntentId: string; chargeId: string; cents: number } {
    const { payer, at } = args;
    const customer = args.withCustomer ? this.stripeCustomer(payer, at) : null;
    const discount = args.promo ? discountCents(args.cents, args.promo) : 0;
    const amount = args.cents - discount;
    const piId = `pi_3${this.rng.base62(23)}`;
    const chargeId = `ch_3${this.rng.base62(23)}`;
    const decline = args.declined ? this.rng.weighted(DECLINES) : null;
    const email = this.stripeEmail(payer);
    const charge: StripeCharge = {
      id: chargeId,
      object: 'charge',
      amount,
      amount_captured: decline ? 0 : amount,
      amount_refunded: 0,
      created: stripeTime(at),
      currency: 'usd',
      customer,
      description: args.description,
      livemode: args.livemode ?? true,
      paid: !decline,
      captured: !decline,
      status: decline ? 'failed' : 'succeeded',
      payment_intent: piId,
      receipt_email: this.rng.chance(0.8) ? email : null,
      billing_details: {
        name: this.rng.chance(0.96) ? this.billingName(payer, at) : null,
        email: this.rng.chance(0.9) ? email : null,
        phone: payer.phone && this.rng.chance(0.15) ? formatPhone(payer.phone, 'e164') : null,
        address: null,
      },
      failure_code: decline ? decline.code : null,
      failure_message: decline ? decline.message : null,
      refunded: false,
    };
    this.out.paymentIntents.push({
      at,
      value: {
        id: piId,
        object: 'payment_intent',
        amount,
        amount_received: decline ? 0 : amount,
        created: stripeTime(at),
        currency: 'usd',
        customer,
        description: args.description,
        livemode: args.livemode ?? true,
        status: decline ? 'requires_payment_method' : 'succeeded',
        latest_charge: chargeId,
        last_payment_error: decline
          ? { code: decline.code, decline_code: decline.decline, message: decline.message }
          : null,
        metadata: {},
      },
    });
    const refunds: { at: number; amount: number }[] = [];
    if (!decline && amount > 0 && this.rng.chance(0.016)) {
      const late = this.rng.chance(0.25);
      const refundAt = at + (late ? this.rng.int(4, 25) * DAY_MS : this.rng.int(10, 2_880) * 60_000);
      const refundAmount = this.rng.chance(0.7)
        ? amount
        : Math.max(100, Math.round(amount * this.rng.uniform(0.2, 0.8)));
      refunds.push({ at: refundAt, amount: refundAmount });
      this.out.stripeRefunds.push({
        at: refundAt,
        value: {
          id: `re_3${this.rng.base62(23)}`,
          object: 'refund',
          amount: refundAmount,
          charge: chargeId,
          payment_intent: piId,
          created: stripeTime(refundAt),
          currency: 'usd',
          reason: this.rng.weighted<'requested_by_customer' | 'duplicate' | null>([
            ['requested_by_customer', 80],
            ['duplicate', 8],
            [null, 12],
          ]),
          status: 'succeeded',
        },
      });
    }
    this.out.charges.push({ at, value: charge, refunds });
    this.out.records.push({
      source: 'stripe',
      record_id: `stripe:charge:${chargeId}`,
      person_id: payer.personId,
    });
    if (args.promo && !decline) {
      // Capitan took the code at its own checkout and charged the discounted price through Stripe;
      // the code stays in Capitan, which its API does not show, and Stripe never sees it.
      this.out.redemptions.push({
        source: 'stripe',
        payment_id: piId,
        person_id: payer.personId,
        code: args.promo.code,
        amount_cents: discount,
        code_recorded_in: 'capitan',
      });
    }
    return { paymentIntentId: piId, chargeId, cents: amount };
  }

  // ---------- Square ----------

  squareCustomer(p: Person, at: number): string {
    const known = this.squareCustomers.get(p.personId);
    if (known) return known;
    const id = this.rng.chars(SQUARE_ID, 26);
    const day = this.ctx.clock.localDay(at);
    const email =
      p.email && !p.emailIsShared && this.rng.chance(0.75) ? typedEmail(this.rng, p.email, 0.04) : undefined;
    const phone =
      p.phone && (this.rng.chance(0.7) || !email)
        ? formatPhone(p.phone, this.rng.chance(0.7) ? 'e164' : 'paren')
        : undefined;
    const created = squareTime(at);
    this.out.squareCustomers.push({
      at,
      value: {
        id,
        created_at: created,
        updated_at: created,
        given_name: this.present(p).capitanFirst,
        family_name: lastNameOn(p, day),
        ...(email ? { email_address: email } : {}),
        ...(phone ? { phone_number: phone } : {}),
        ...(this.rng.chance(0.2) ? { birthday: this.ctx.clock.dayToIso(p.birthDay) } : {}),
      },
    });
    this.squareCustomers.set(p.personId, id);
    this.out.records.push({ source: 'square', record_id: `square:customer:${id}`, person_id: p.personId });
    return id;
  }

  /** A front-desk sale: an order and its payment, maybe linked to a Square customer. */
  squareSale(args: {
    payer: Person;
    at: number;
    lines: SaleLine[];
    withCustomer: boolean;
    promo?: Promo;
  }): void {
    const { at } = args;
    const customerId = args.withCustomer ? this.squareCustomer(args.payer, at) : undefined;
    const lineItems: SquareLineItem[] = args.lines.map((line) => {
      const gross = line.unitCents * line.quantity;
      const tax = Math.round(gross * TAX_RATE);
      return {
        uid: this.rng.chars(SQUARE_ID_MIXED, 22),
        name: line.name,
        variation_name: line.variation,
        quantity: String(line.quantity),
        base_price_money: { amount: line.unitCents, currency: 'USD' },
        total_tax_money: { amount: tax, currency: 'USD' },
        total_discount_money: { amount: 0, currency: 'USD' },
        total_money: { amount: gross + tax, currency: 'USD' },
      };
    });
    const gross = lineItems.reduce((n, l) => n + l.total_money.amount, 0);
    const tax = lineItems.reduce((n, l) => n + l.total_tax_money.amount, 0);
    let discounts: SquareOrderDiscount[] | undefined;
    let discount = 0;
    if (args.promo) {
      discount = discountCents(gross, args.promo);
      discounts = [
        {
          uid: this.rng.chars(SQUARE_ID_MIXED, 22),
          name: args.promo.code,
          ...(args.promo.percentOff !== null
            ? { percentage: String(args.promo.percentOff) }
            : { amount_money: { amount: args.promo.centsOff ?? 0, currency: 'USD' as const } }),
          applied_money: { amount: discount, currency: 'USD' },
          type: args.promo.percentOff !== null ? 'FIXED_PERCENTAGE' : 'FIXED_AMOUNT',
          scope: 'ORDER',
        },
      ];
      // Spread the order-level discount over the lines, as Square reports it.
      let left = discount;
      lineItems.forEach((line, i) => {
        const share =
          i === lineItems.length - 1 ? left : Math.round((discount * line.total_money.amount) / gross);
        left -= share;
        line.total_discount_money = { amount: share, currency: 'USD' };
        line.total_money = { amount: line.total_money.amount - share, currency: 'USD' };
      });
    }
    const total = gross - discount;
    const orderId = this.rng.chars(SQUARE_ID_MIXED, 27);
    const paidAt = at + this.rng.int(2_000, 40_000);
    const card = this.rng.chance(0.86);
    const order: SquareOrder = {
      id: orderId,
      location_id: SQUARE_LOCATION_ID,
      created_at: squareTime(at),
      updated_at: squareTime(paidAt),
      closed_at: squareTime(paidAt),
      state: 'COMPLETED',
      ...(customerId ? { customer_id: customerId } : {}),
      line_items: lineItems,
      ...(discounts ? { discounts } : {}),
      total_money: { amount: total, currency: 'USD' },
      total_tax_money: { amount: tax, currency: 'USD' },
      total_discount_money: { amount: discount, currency: 'USD' },
    };
    this.out.squareOrders.push({ at, value: order });
    const paymentId = this.rng.chars(SQUARE_ID_MIXED, 29);
    const money = { amount: total, currency: 'USD' } as const;
    order.tenders = [
      {
        id: paymentId,
        location_id: SQUARE_LOCATION_ID,
        transaction_id: orderId,
        created_at: squareTime(paidAt),
        amount_money: money,
        ...(customerId ? { customer_id: customerId } : {}),
        type: card ? 'CARD' : 'CASH',
        ...(card
          ? { card_details: { status: 'CAPTURED', entry_method: 'EMV' } as const }
          : {
              cash_details: {
                buyer_tendered_money: money,
                change_back_money: { amount: 0, currency: 'USD' },
              },
            }),
        payment_id: paymentId,
      },
    ];
    const buyerEmail = card && args.payer.email && this.rng.chance(0.3) ? args.payer.email : undefined;
    const refunds: { at: number; amount: number; id: string }[] = [];
    if (card && this.rng.chance(0.008)) {
      const refundAt = paidAt + this.rng.int(5, 4_000) * 60_000;
      const refundId = `${paymentId}_${this.rng.chars(SQUARE_ID_MIXED, 20)}`;
      refunds.push({ at: refundAt, amount: total, id: refundId });
      this.out.squareRefunds.push({
        at: refundAt,
        value: {
          id: refundId,
          status: 'COMPLETED',
          amount_money: { amount: total, currency: 'USD' },
          payment_id: paymentId,
          order_id: orderId,
          location_id: SQUARE_LOCATION_ID,
          created_at: squareTime(refundAt),
          updated_at: squareTime(refundAt + 2_000),
          reason: this.rng.pick(['Customer request', 'Charged twice', 'Returned item']),
        },
      });
    }
    this.out.squarePayments.push({
      at: paidAt,
      value: {
        id: paymentId,
        created_at: squareTime(paidAt),
        updated_at: squareTime(paidAt + 1_000),
        amount_money: { amount: total, currency: 'USD' },
        total_money: { amount: total, currency: 'USD' },
        status: 'COMPLETED',
        source_type: card ? 'CARD' : 'CASH',
        location_id: SQUARE_LOCATION_ID,
        order_id: orderId,
        ...(customerId ? { customer_id: customerId } : {}),
        ...(buyerEmail ? { buyer_email_address: buyerEmail } : {}),
      },
      refunds,
    });
    if (args.promo) {
      this.out.redemptions.push({
        source: 'square',
        payment_id: paymentId,
        person_id: args.payer.personId,
        code: args.promo.code,
        amount_cents: discount,
        code_recorded_in: 'square_order_discount',
      });
    }
  }

  // ---------- Finishing ----------

  /**
   * Drops whatever would happen after the horizon, numbers the check-ins in time order, counts them
   * per account, and records waivers.
   */
  finish(): HouseholdOutput {
    this.trimToHorizon();
    this.pending.sort((a, b) => a.at - b.at);
    const counts = new Map<number, number>();
    for (const c of this.pending) {
      const customer = c.account.value;
      const count = (counts.get(customer.id) ?? 0) + 1;
      counts.set(customer.id, count);
      const day = this.ctx.clock.localDay(c.at);
      const lastWaiver = c.account.waiverDays[c.account.waiverDays.length - 1];
      if (lastWaiver === undefined || day - lastWaiver >= 365) c.account.waiverDays.push(day);
      const checkin: CapitanCheckin = {
        id: this.ids.checkin++,
        customer_id: customer.id,
        customer_first_name: customer.first_name,
        customer_last_name: customer.last_name,
        customer_email: customer.email,
        customer_birthday: customer.birthday,
        check_in_datetime: this.ctx.clock.capitanLocal(c.at, this.rng.int(0, 999_999)),
        entry_method: c.method,
        entry_method_description: c.description,
        location_id: CAPITAN_LOCATION.id,
        location_name: CAPITAN_LOCATION.name,
        free_entry_reason: c.freeReason,
        check_in_count: count,
        created_at: this.ctx.clock.capitanLocal(c.at + this.rng.int(20, 900), this.rng.int(0, 999_999)),
      };
      this.out.checkins.push({ at: c.at, value: checkin });
    }
    for (const account of this.out.customers) {
      if (account.waiverDays.length === 0) account.waiverDays.push(this.ctx.clock.localDay(account.at));
    }
    return this.out;
  }

  private trimToHorizon(): void {
    const horizon = this.ctx.horizonMs;
    const out = this.out;
    const keep = <T extends { at: number }>(items: T[]): T[] => items.filter((item) => item.at <= horizon);
    out.customers = keep(out.customers);
    out.memberships = keep(out.memberships);
    out.associationMembers = keep(out.associationMembers);
    out.relations = keep(out.relations);
    out.stripeCustomers = keep(out.stripeCustomers);
    out.paymentIntents = keep(out.paymentIntents);
    out.charges = keep(out.charges);
    out.stripeRefunds = keep(out.stripeRefunds);
    out.squareCustomers = keep(out.squareCustomers);
    out.squareOrders = keep(out.squareOrders);
    out.squarePayments = keep(out.squarePayments);
    out.squareRefunds = keep(out.squareRefunds);
    out.mailchimpMembers = keep(out.mailchimpMembers);
    const pending = this.pending.filter((c) => c.at <= horizon);
    this.pending.length = 0;
    this.pending.push(...pending);
    const alive = new Set<string>([
      ...out.customers.map((c) => `capitan:customer:${c.value.id}`),
      ...out.stripeCustomers.map((c) => `stripe:customer:${c.value.id}`),
      ...out.charges.map((c) => `stripe:charge:${c.value.id}`),
      ...out.squareCustomers.map((c) => `square:customer:${c.value.id}`),
      ...out.mailchimpMembers.map((m) => `mailchimp:member:${m.value.id}`),
    ]);
    out.records = out.records.filter((r) => alive.has(r.record_id));
    const payments = new Set<string>([
      ...out.paymentIntents.map((p) => p.value.id),
      ...out.squarePayments.map((p) => p.value.id),
    ]);
    out.redemptions = out.redemptions.filter((r) => payments.has(r.payment_id));
  }
}

export function discountCents(cents: number, promo: Promo): number {
  if (promo.percentOff !== null) return Math.round((cents * promo.percentOff) / 100);
  return Math.min(cents, promo.centsOff ?? 0);
}
