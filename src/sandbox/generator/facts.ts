/**
 * The simulated gym as facts with times. Immutable records are stored already API-shaped with their
 * creation instant; records whose state changes (memberships, charges, subscribers, posts) keep the
 * timeline they need so a view can render them as of any clock.
 */
import type {
  CapitanAssociationMember,
  CapitanCheckin,
  CapitanCustomer,
  CapitanCustomerMembership,
  CapitanRelation,
  GymTruth,
  MailchimpActivity,
  MailchimpMember,
  PersonTruth,
  RecordTruth,
  SquareCustomer,
  SquareOrder,
  SquarePayment,
  SquareRefund,
  StripeCharge,
  StripeCustomer,
  StripePaymentIntent,
  StripeRefund,
} from '../dataset.ts';

/** A record that never changes after it is created. */
export interface Timed<T> {
  /** Creation instant, UTC ms. */
  at: number;
  value: T;
}

export type CustomerStatic = Omit<
  CapitanCustomer,
  'has_active_membership' | 'active_waiver_exists' | 'latest_waiver_expiration_date'
>;

export interface CustomerFact {
  at: number;
  value: CustomerStatic;
  /** Local day numbers on which a waiver was signed (each lasts a year). */
  waiverDays: number[];
  /** Instance ids of the memberships this customer is on, for `has_active_membership`. */
  membershipIds: number[];
}

export type MembershipStatic = Omit<
  CapitanCustomerMembership,
  'status' | 'end_date' | 'upcoming_bill_dates' | 'membership_unfreeze_date'
>;

export type MembershipEndReason = 'churn' | 'term' | 'failed' | 'switch' | 'moved';

export interface MembershipFact {
  at: number;
  value: MembershipStatic;
  startDay: number;
  /** Day the status becomes END; null when it outlives the horizon. */
  endDay: number | null;
  endReason: MembershipEndReason | null;
  /** Billing cadence in days (14) or months (1, 3, 12), for future bill dates. */
  cadence: { days: number } | { months: number } | null;
  /** Prepaid plans: last covered day. */
  termEndDay: number | null;
  freezes: { fromDay: number; toDay: number }[];
  /** Capitan sometimes has no end date on a running membership (original-system.md §4.4). */
  hidesEndDate: boolean;
}

export interface ChargeFact {
  at: number;
  value: StripeCharge;
  /** Refunds against this charge: instant and cents, for `amount_refunded` as of a clock. */
  refunds: { at: number; amount: number }[];
}

export interface SquarePaymentFact {
  at: number;
  value: SquarePayment;
  refunds: { at: number; amount: number; id: string }[];
}

export interface MailchimpMemberFact {
  at: number;
  value: Omit<MailchimpMember, 'status' | 'last_changed'>;
  /** Status changes after subscribing (unsubscribe, cleaned), in time order. */
  changes: { at: number; status: MailchimpMember['status'] }[];
  initialStatus: MailchimpMember['status'];
}

export interface EmailActivityFact {
  campaignId: string;
  emailAddress: string;
  emailId: string;
  /** Sorted by time. */
  events: { at: number; action: MailchimpActivity['action']; url?: string; ip?: string }[];
  /** Unsubscribed in response to this campaign at this instant. */
  unsubscribedAt: number | null;
}

/** An association membership; staff approve it some time after the customer joins. */
export interface AssociationMemberFact {
  at: number;
  value: CapitanAssociationMember;
  approvedAt: number | null;
  /** `updated_at` before approval. */
  createdText: string;
}

export interface RelationFact {
  customerId: number;
  at: number;
  value: CapitanRelation;
}

export type Redemption = GymTruth['redemptions'][number];

/** Everything one household unit (a core household and its satellites) contributes. */
export interface HouseholdOutput {
  people: PersonTruth[];
  records: RecordTruth[];
  redemptions: Redemption[];
  customers: CustomerFact[];
  memberships: MembershipFact[];
  checkins: Timed<CapitanCheckin>[];
  associationMembers: AssociationMemberFact[];
  relations: RelationFact[];
  stripeCustomers: Timed<StripeCustomer>[];
  paymentIntents: Timed<StripePaymentIntent>[];
  charges: ChargeFact[];
  stripeRefunds: Timed<StripeRefund>[];
  squareCustomers: Timed<SquareCustomer>[];
  squareOrders: Timed<SquareOrder>[];
  squarePayments: SquarePaymentFact[];
  squareRefunds: Timed<SquareRefund>[];
  mailchimpMembers: MailchimpMemberFact[];
  emailActivity: EmailActivityFact[];
}

export function emptyOutput(): HouseholdOutput {
  return {
    people: [],
    records: [],
    redemptions: [],
    customers: [],
    memberships: [],
    checkins: [],
    associationMembers: [],
    relations: [],
    stripeCustomers: [],
    paymentIntents: [],
    charges: [],
    stripeRefunds: [],
    squareCustomers: [],
    squareOrders: [],
    squarePayments: [],
    squareRefunds: [],
    mailchimpMembers: [],
    emailActivity: [],
  };
}
