import type Stripe from 'stripe';
import type { StripeCharge, StripeCustomer, StripePaymentIntent, StripeRefund } from '../dataset.ts';

/**
 * The sandbox's Stripe records as Stripe's API returns them: every field of the object, typed by the
 * official SDK (`satisfies`), so an emulator answer that drifts from Stripe's wire format fails `tsc`.
 * Fields the sandbox has no data for take the value Stripe sends for a card payment without them.
 * The scale writer uses the same functions, so a written lake holds what a fetch would store.
 */

export function customerObject(customer: StripeCustomer): Stripe.Customer {
  return {
    id: customer.id,
    object: 'customer',
    address: null,
    balance: 0,
    created: customer.created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: customer.email,
    invoice_prefix: invoicePrefix(customer.id),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: customer.livemode,
    metadata: customer.metadata,
    name: customer.name,
    next_invoice_sequence: 1,
    phone: customer.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  } satisfies Stripe.Customer;
}

export function chargeObject(charge: StripeCharge): Stripe.Charge {
  return {
    id: charge.id,
    object: 'charge',
    amount: charge.amount,
    amount_captured: charge.amount_captured,
    amount_refunded: charge.amount_refunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: charge.captured ? `txn_${charge.id.slice(3)}` : null,
    billing_details: { ...charge.billing_details, tax_id: null },
    calculated_statement_descriptor: 'BASIN CLIMBING',
    captured: charge.captured,
    created: charge.created,
    currency: charge.currency,
    customer: charge.customer,
    description: charge.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: charge.failure_code,
    failure_message: charge.failure_message,
    fraud_details: {},
    livemode: charge.livemode,
    metadata: {},
    on_behalf_of: null,
    outcome: null,
    paid: charge.paid,
    payment_intent: charge.payment_intent,
    payment_method: null,
    payment_method_details: null,
    receipt_email: charge.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: charge.refunded,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: charge.status,
    transfer_data: null,
    transfer_group: null,
  } satisfies Stripe.Charge;
}

/** `latest_charge` is the charge's id, or the charge itself when the request expanded it. */
export function paymentIntentObject(
  intent: StripePaymentIntent,
  latestCharge: Stripe.Charge | string | null = intent.latest_charge,
): Stripe.PaymentIntent {
  const error = intent.last_payment_error;
  return {
    id: intent.id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: intent.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: intent.amount_received,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${intent.id}_secret_${intent.id.slice(-10)}`,
    confirmation_method: 'automatic',
    created: intent.created,
    currency: intent.currency,
    customer: intent.customer,
    customer_account: null,
    description: intent.description,
    excluded_payment_method_types: null,
    last_payment_error: error && {
      type: 'card_error',
      code: error.code,
      // Stripe sends a decline code only for an issuer's decline.
      ...(error.decline_code ? { decline_code: error.decline_code } : {}),
      doc_url: `https://stripe.com/docs/error-codes/${error.code.replace(/_/g, '-')}`,
      message: error.message,
    },
    latest_charge: latestCharge,
    livemode: intent.livemode,
    managed_payments: null,
    metadata: intent.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: intent.status,
    transfer_data: null,
    transfer_group: null,
  } satisfies Stripe.PaymentIntent;
}

export function refundObject(refund: StripeRefund): Stripe.Refund {
  return {
    id: refund.id,
    object: 'refund',
    amount: refund.amount,
    balance_transaction: refund.status === 'succeeded' ? `txn_${refund.id.slice(3)}` : null,
    charge: refund.charge,
    created: refund.created,
    currency: refund.currency,
    customer: null,
    customer_account: null,
    destination_details: { type: 'card', card: { type: 'refund' } },
    metadata: {},
    payment_intent: refund.payment_intent,
    payment_method: null,
    reason: refund.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: refund.status,
    transfer_reversal: null,
  } satisfies Stripe.Refund;
}

/** Stripe prefixes a customer's invoice numbers with eight characters drawn from its id. */
function invoicePrefix(id: string): string {
  return id.slice(4, 12).toUpperCase();
}
