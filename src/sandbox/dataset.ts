/**
 * The contract between the sandbox gym's generator and its API emulators.
 *
 * The generator simulates the gym once, as facts with times. A `SandboxDataset` renders those facts
 * as each API would return them at a given clock: a record appears when it is created, and mutable
 * records (membership status, Instagram insights) show their state as of the clock. The emulators
 * only page, filter, authenticate and inject faults over these views.
 *
 * Every record type below is the API's own shape (field names as the real API spells them), so the
 * official SDKs parse them unmodified. Ground truth never appears in these shapes.
 */

// ---------- Capitan (DRF-style REST, local wall-clock timestamps) ----------

/** `YYYY-MM-DD HH:MM:SS.ffffff`, gym-local wall-clock time, as Capitan returns it. */
export type CapitanLocalDateTime = string;
/** `YYYY-MM-DD`. */
export type IsoDate = string;

export interface CapitanCustomer {
  id: number;
  first_name: string;
  last_name: string;
  preferred_name: string | null;
  email: string | null;
  telephone: string | null;
  birthday: IsoDate | null;
  has_opted_in_to_marketing: boolean;
  has_active_membership: boolean;
  active_waiver_exists: boolean;
  latest_waiver_expiration_date: IsoDate | null;
  relations_url: string;
  emergency_contacts_url: string;
  created_at: CapitanLocalDateTime;
}

export interface CapitanMembershipMember {
  id: number;
  member_id: number;
  first_name: string;
  last_name: string;
  is_individually_frozen: boolean;
}

export type CapitanMembershipStatus = 'ACT' | 'FRZ' | 'END';
export type CapitanInterval = 'BWK' | 'MON' | 'YRL' | '3MO' | '6MO' | '12MO';

export interface CapitanCustomerMembership {
  /** The membership instance id (the `#N` in Stripe descriptions). */
  id: number;
  /** The membership plan/type id. */
  membership_id: number;
  name: string;
  start_date: IsoDate;
  end_date: IsoDate | null;
  billing_amount: number;
  upcoming_bill_dates: IsoDate[];
  membership_unfreeze_date: IsoDate | null;
  interval: CapitanInterval;
  status: CapitanMembershipStatus;
  owner_id: number;
  owner_birthday: IsoDate | null;
  owner_email: string | null;
  all_customers: CapitanMembershipMember[];
  created_at: CapitanLocalDateTime;
}

export type CapitanEntryMethod = 'MEM' | 'ENT' | 'FRE' | 'GUE' | 'EVE';

export interface CapitanCheckin {
  id: number;
  customer_id: number;
  customer_first_name: string;
  customer_last_name: string;
  customer_email: string | null;
  customer_birthday: IsoDate | null;
  check_in_datetime: CapitanLocalDateTime;
  entry_method: CapitanEntryMethod;
  entry_method_description: string;
  location_id: number;
  location_name: string;
  free_entry_reason: string | null;
  check_in_count: number;
  created_at: CapitanLocalDateTime;
}

export interface CapitanAssociation {
  id: number;
  name: string;
  verification_requirements: string;
  automatic_removal_interval_months: number | null;
  reverification_period_days: number | null;
  show_reverification_alert: boolean;
  allow_automatic_entry_pass_use: boolean;
  membership_expiration_age: number | null;
  allow_customer_applications: boolean;
  num_members: number;
  member_square_customer_group_id: string | null;
  member_square_customer_group_name: string | null;
  created_at: CapitanLocalDateTime;
  updated_at: CapitanLocalDateTime;
}

export interface CapitanAssociationMember {
  id: number;
  association_id: number;
  association_name: string;
  customer_id: number;
  customer_first_name: string;
  customer_last_name: string;
  customer_birthday: IsoDate | null;
  created_at: CapitanLocalDateTime;
  approved_at: CapitanLocalDateTime | null;
  updated_at: CapitanLocalDateTime;
}

export interface CapitanEventPart {
  start_datetime_isoformat: string;
  end_datetime_isoformat: string;
  start_local_date: IsoDate;
  start_local_time: string;
  end_local_date: IsoDate;
  end_local_time: string;
}

export interface CapitanEvent {
  id: number;
  event_type_id: number;
  event_type_name: string;
  capacity: number;
  num_reservations: number;
  is_cancelled: boolean;
  location_id: number;
  location_name: string;
  event_parts: CapitanEventPart[];
  created_at: CapitanLocalDateTime;
  updated_at: CapitanLocalDateTime;
}

/** `CHI`: the related person is this customer's child; `PRE`: their parent; `SIB`: sibling. */
export type CapitanRelationCode = 'CHI' | 'PRE' | 'SIB';

export interface CapitanRelation {
  related_customer_id: number;
  related_customer_first_name: string;
  related_customer_last_name: string;
  relation: CapitanRelationCode;
  created_at: CapitanLocalDateTime;
}

// ---------- Stripe (unix seconds, amounts in cents) ----------

export interface StripeBillingDetails {
  name: string | null;
  email: string | null;
  phone: string | null;
  address: null;
}

export interface StripeCustomer {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  name: string | null;
  phone: string | null;
  livemode: boolean;
  metadata: Record<string, string>;
}

export interface StripeCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  created: number;
  currency: 'usd';
  customer: string | null;
  description: string | null;
  livemode: boolean;
  paid: boolean;
  captured: boolean;
  status: 'succeeded' | 'failed';
  payment_intent: string;
  receipt_email: string | null;
  billing_details: StripeBillingDetails;
  failure_code: string | null;
  failure_message: string | null;
  refunded: boolean;
}

export interface StripePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  created: number;
  currency: 'usd';
  customer: string | null;
  description: string | null;
  livemode: boolean;
  status: 'succeeded' | 'requires_payment_method' | 'canceled';
  /** A charge id; the emulator expands it to the `StripeCharge` on `expand[]=data.latest_charge`. */
  latest_charge: string | null;
  last_payment_error: { code: string; decline_code: string | null; message: string } | null;
  /** Always empty: neither Capitan nor Calendly writes metadata on the intents they create. */
  metadata: Record<string, string>;
}

export interface StripeRefund {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  payment_intent: string;
  created: number;
  currency: 'usd';
  reason: 'requested_by_customer' | 'duplicate' | null;
  status: 'succeeded' | 'pending' | 'failed';
}

// ---------- Square (RFC 3339 UTC, Money objects) ----------

export interface SquareMoney {
  amount: number;
  currency: 'USD';
}

export interface SquareLocation {
  id: string;
  name: string;
  timezone: string;
  status: 'ACTIVE';
}

export interface SquareCustomer {
  id: string;
  created_at: string;
  updated_at: string;
  given_name?: string;
  family_name?: string;
  email_address?: string;
  phone_number?: string;
  birthday?: string;
}

export interface SquarePayment {
  id: string;
  created_at: string;
  updated_at: string;
  amount_money: SquareMoney;
  total_money: SquareMoney;
  status: 'COMPLETED' | 'FAILED' | 'CANCELED';
  source_type: 'CARD' | 'CASH';
  location_id: string;
  order_id: string;
  customer_id?: string;
  buyer_email_address?: string;
  refunded_money?: SquareMoney;
  refund_ids?: string[];
}

export interface SquareLineItem {
  uid: string;
  name: string;
  variation_name: string;
  quantity: string;
  base_price_money: SquareMoney;
  total_tax_money: SquareMoney;
  total_discount_money: SquareMoney;
  total_money: SquareMoney;
}

export interface SquareOrderDiscount {
  uid: string;
  name: string;
  percentage?: string;
  amount_money?: SquareMoney;
  applied_money: SquareMoney;
  type: 'FIXED_PERCENTAGE' | 'FIXED_AMOUNT';
  scope: 'ORDER';
}

/** How an order was paid: one tender per payment, named by the payment's id. */
export interface SquareTender {
  id: string;
  location_id: string;
  transaction_id: string;
  created_at: string;
  amount_money: SquareMoney;
  customer_id?: string;
  type: 'CARD' | 'CASH';
  card_details?: { status: 'CAPTURED'; entry_method: 'EMV' };
  cash_details?: { buyer_tendered_money: SquareMoney; change_back_money: SquareMoney };
  payment_id: string;
}

export interface SquareOrder {
  id: string;
  location_id: string;
  created_at: string;
  updated_at: string;
  closed_at?: string;
  state: 'COMPLETED' | 'OPEN' | 'CANCELED';
  customer_id?: string;
  line_items: SquareLineItem[];
  discounts?: SquareOrderDiscount[];
  tenders?: SquareTender[];
  total_money: SquareMoney;
  total_tax_money: SquareMoney;
  total_discount_money: SquareMoney;
}

/**
 * A refund of a payment, or an unlinked refund (`unlinked: true`, no payment or order): money returned
 * to a card without the original sale.
 */
export interface SquareRefund {
  id: string;
  status: 'COMPLETED' | 'PENDING' | 'FAILED';
  amount_money: SquareMoney;
  payment_id?: string;
  order_id?: string;
  unlinked?: boolean;
  destination_type?: 'CARD' | 'CASH';
  location_id: string;
  created_at: string;
  updated_at: string;
  reason?: string;
}

// ---------- Mailchimp Marketing 3.0 (ISO 8601 with offset) ----------

export interface MailchimpList {
  id: string;
  name: string;
  date_created: string;
  stats: { member_count: number };
}

export interface MailchimpMember {
  id: string;
  email_address: string;
  status: 'subscribed' | 'unsubscribed' | 'cleaned' | 'pending' | 'transactional';
  email_type: 'html';
  merge_fields: { FNAME: string; LNAME: string; PHONE?: string };
  timestamp_signup: string;
  timestamp_opt: string;
  last_changed: string;
  source: string;
  tags: { id: number; name: string }[];
  list_id: string;
}

export interface MailchimpCampaign {
  id: string;
  type: 'regular';
  status: 'sent';
  create_time: string;
  send_time: string;
  emails_sent: number;
  recipients: { list_id: string; segment_opts?: { saved_segment_id: number } };
  settings: { title: string; subject_line: string; from_name: string };
}

export interface MailchimpContent {
  html: string;
  plain_text: string;
}

export interface MailchimpReport {
  id: string;
  campaign_title: string;
  send_time: string;
  emails_sent: number;
  unsubscribed: number;
  abuse_reports: number;
  bounces: { hard_bounces: number; soft_bounces: number; syntax_errors: number };
  opens: { opens_total: number; unique_opens: number; open_rate: number; last_open: string | null };
  clicks: {
    clicks_total: number;
    unique_clicks: number;
    unique_subscriber_clicks: number;
    click_rate: number;
    last_click: string | null;
  };
}

export interface MailchimpActivity {
  action: 'open' | 'click' | 'bounce';
  timestamp: string;
  url?: string;
  ip?: string;
}

export interface MailchimpEmailActivity {
  campaign_id: string;
  list_id: string;
  email_id: string;
  email_address: string;
  activity: MailchimpActivity[];
}

// ---------- Instagram Graph (timestamps with `+0000`) ----------

export interface InstagramAccount {
  id: string;
  username: string;
  followers_count: number;
  media_count: number;
}

export interface InstagramMedia {
  id: string;
  caption: string;
  media_type: 'IMAGE' | 'VIDEO' | 'CAROUSEL_ALBUM';
  /** Path under the emulator's base URL; the emulator prefixes its own origin. */
  media_path: string;
  permalink: string;
  timestamp: string;
  like_count: number;
  comments_count: number;
}

export interface InstagramInsights {
  reach: number;
  saved: number;
}

export interface InstagramImage {
  contentType: 'image/png' | 'image/jpeg';
  bytes: Uint8Array;
}

// ---------- Anthropic (ground-truth answers for sandbox content) ----------

export interface TemplateTruth {
  campaign_id: string;
  has_offer: boolean;
  offer_type: 'membership_discount' | 'day_pass_discount' | 'retail_discount' | 'free_trial' | 'other' | null;
  offer_amount: string | null;
  offer_code: string | null;
  offer_expires: IsoDate | null;
  offer_description: string | null;
  email_category: 'welcome' | 'promotional' | 'newsletter' | 'transactional' | 're-engagement' | 'other';
  summary: string;
  tone: string;
  content_type: string;
  calls_to_action: string[];
  themes: string[];
  /** Whether the generator made this offer raise conversion. */
  is_effective: boolean;
}

export interface ImageTruth {
  media_id: string;
  description: string;
  activity_type: string;
  themes: string[];
}

// ---------- Ground truth ----------

export type SourceName = 'capitan' | 'stripe' | 'square' | 'mailchimp';

/** The true person behind one person-bearing source record. */
export interface RecordTruth {
  source: SourceName;
  /** `capitan:customer:123`, `stripe:customer:cus_…`, `stripe:charge:ch_…`, `square:customer:…`, `mailchimp:member:…`. */
  record_id: string;
  person_id: string;
}

export interface PersonTruth {
  person_id: string;
  household_id: string;
  first_name: string;
  last_name: string;
  birth_date: IsoDate;
  is_minor: boolean;
  /** Lapsed and churn labels, for measuring the rules. */
  lapsed_on: IsoDate | null;
  churned_on: IsoDate | null;
}

export interface GymTruth {
  people: PersonTruth[];
  records: RecordTruth[];
  templates: TemplateTruth[];
  images: ImageTruth[];
  /**
   * Promo-code redemptions the generator planted: payment id → code, and where a real system keeps
   * the code: on the Square order's discount, or only inside Capitan (an online purchase or membership
   * Capitan charged through Stripe), where no API this product reads shows it.
   */
  redemptions: {
    source: 'stripe' | 'square';
    payment_id: string;
    /** Who paid: the person the sale's customer is. */
    person_id: string;
    code: string;
    /** The discount the code took off, not the sale. */
    amount_cents: number;
    code_recorded_in: 'square_order_discount' | 'capitan';
  }[];
}

// ---------- The dataset ----------

/** Every view takes the emulator's clock and returns what the API would show at that instant. */
export interface SandboxDataset {
  readonly seed: number;
  readonly timeZone: string;
  /** The generated history ends here; the clock may run up to `horizon`. */
  readonly asOf: Date;
  readonly horizon: Date;

  capitan: {
    customers(clock: Date): CapitanCustomer[];
    memberships(clock: Date): CapitanCustomerMembership[];
    checkins(clock: Date): CapitanCheckin[];
    associations(clock: Date): CapitanAssociation[];
    associationMembers(clock: Date): CapitanAssociationMember[];
    events(clock: Date): CapitanEvent[];
    relations(customerId: number, clock: Date): CapitanRelation[];
  };
  stripe: {
    customers(clock: Date): StripeCustomer[];
    paymentIntents(clock: Date): StripePaymentIntent[];
    charges(clock: Date): StripeCharge[];
    refunds(clock: Date): StripeRefund[];
  };
  square: {
    locations(): SquareLocation[];
    customers(clock: Date): SquareCustomer[];
    payments(clock: Date): SquarePayment[];
    orders(clock: Date): SquareOrder[];
    refunds(clock: Date): SquareRefund[];
  };
  mailchimp: {
    lists(clock: Date): MailchimpList[];
    members(listId: string, clock: Date): MailchimpMember[];
    campaigns(clock: Date): MailchimpCampaign[];
    content(campaignId: string): MailchimpContent | undefined;
    report(campaignId: string, clock: Date): MailchimpReport | undefined;
    emailActivity(campaignId: string, clock: Date): MailchimpEmailActivity[];
  };
  instagram: {
    account(clock: Date): InstagramAccount;
    media(clock: Date): InstagramMedia[];
    insights(mediaId: string, clock: Date): InstagramInsights | undefined;
    image(mediaId: string): InstagramImage | undefined;
  };
  truth: GymTruth;
}
