import { z } from 'zod';

/**
 * What the fetcher and staging rely on in Stripe's objects. Loose objects: fields Stripe adds later
 * pass through, and raw keeps the payload exactly as Stripe sent it.
 */

const unixSeconds = z.number().int().nonnegative();
const cents = z.number().int();

export const stripeCustomerSchema = z.looseObject({
  id: z.string().startsWith('cus_'),
  object: z.literal('customer'),
  created: unixSeconds,
  email: z.string().nullish(),
  name: z.string().nullish(),
  phone: z.string().nullish(),
});

const billingDetailsSchema = z.looseObject({
  name: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
});

/** The charge as `expand[]=data.latest_charge` inlines it into the payment intent. */
export const stripeChargeSchema = z.looseObject({
  id: z.string().startsWith('ch_'),
  object: z.literal('charge'),
  amount: cents,
  amount_refunded: cents,
  created: unixSeconds,
  status: z.string(),
  receipt_email: z.string().nullish(),
  billing_details: billingDetailsSchema.nullish(),
});

export const stripePaymentIntentSchema = z.looseObject({
  id: z.string().startsWith('pi_'),
  object: z.literal('payment_intent'),
  amount: cents,
  amount_received: cents,
  created: unixSeconds,
  currency: z.string(),
  customer: z.string().nullish(),
  description: z.string().nullish(),
  livemode: z.boolean(),
  status: z.string(),
  /** The charge, expanded; staging also reads a bare charge id, should an expansion ever be ignored. */
  latest_charge: z.union([stripeChargeSchema, z.string().startsWith('ch_')]).nullable(),
  last_payment_error: z
    .looseObject({
      code: z.string().nullish(),
      decline_code: z.string().nullish(),
      message: z.string().nullish(),
    })
    .nullish(),
});

export const stripeRefundSchema = z.looseObject({
  id: z.string().startsWith('re_'),
  object: z.literal('refund'),
  amount: cents,
  charge: z.string().nullish(),
  payment_intent: z.string().nullish(),
  created: unixSeconds,
  currency: z.string(),
  status: z.string(),
});

export type StripePaymentIntentRecord = z.infer<typeof stripePaymentIntentSchema>;
export type StripeRefundRecord = z.infer<typeof stripeRefundSchema>;

/** A list page: the envelope must be there, or the body was not what Stripe promises. */
export const stripeListSchema = z.looseObject({
  object: z.literal('list'),
  data: z.array(z.looseObject({ id: z.string() })),
  has_more: z.boolean(),
});
