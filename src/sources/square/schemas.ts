import { z } from 'zod';

/**
 * What the fetcher and staging rely on in Square's objects. Loose objects: fields Square adds later
 * pass through, and raw keeps the payload exactly as Square sent it.
 */

const money = z.looseObject({ amount: z.number().int(), currency: z.string() });

export const squareLocationSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullish(),
  timezone: z.string().nullish(),
});

export const squareCustomerSchema = z.looseObject({
  id: z.string().min(1),
  created_at: z.string().nullish(),
  given_name: z.string().nullish(),
  family_name: z.string().nullish(),
  email_address: z.string().nullish(),
  phone_number: z.string().nullish(),
  birthday: z.string().nullish(),
});

export const squarePaymentSchema = z.looseObject({
  id: z.string().min(1),
  created_at: z.string(),
  status: z.string(),
  location_id: z.string(),
  order_id: z.string().nullish(),
  customer_id: z.string().nullish(),
  amount_money: money,
  refund_ids: z.array(z.string()).nullish(),
});

const lineItemSchema = z.looseObject({
  uid: z.string().nullish(),
  name: z.string().nullish(),
  variation_name: z.string().nullish(),
  quantity: z.string().regex(/^\d+(\.\d+)?$/),
  base_price_money: money.nullish(),
  total_money: money,
});

/** How an order was paid; a tender names its payment, which is how the payments list is checked. */
const tenderSchema = z.looseObject({
  type: z.string(),
  created_at: z.string().nullish(),
  payment_id: z.string().nullish(),
});

export const squareOrderSchema = z.looseObject({
  id: z.string().min(1),
  location_id: z.string(),
  state: z.string(),
  created_at: z.string(),
  line_items: z.array(lineItemSchema).nullish(),
  discounts: z.array(z.looseObject({ name: z.string().nullish(), applied_money: money.nullish() })).nullish(),
  tenders: z.array(tenderSchema).nullish(),
});

/** An unlinked refund (money returned without the original sale) names no payment. */
export const squareRefundSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  payment_id: z.string().nullish(),
  created_at: z.string(),
  amount_money: money,
});

export type SquarePaymentRecord = z.infer<typeof squarePaymentSchema>;
export type SquareLocationRecord = z.infer<typeof squareLocationSchema>;
export type SquareRefundRecord = z.infer<typeof squareRefundSchema>;
export type SquareOrderRecord = z.infer<typeof squareOrderSchema>;
