import { z } from 'zod';

/**
 * What the fetcher and the staging models rely on in Capitan's records. Unknown fields pass through
 * (raw keeps the original payload); identity fields are only type-checked, never format-checked, so
 * a person is never rejected for an odd name or phone.
 */

const id = z.number().int().positive();
const text = z.string().nullish();
const flag = z.boolean().nullish();
/**
 * The gym's wall-clock time as ISO-8601 without an offset, `YYYY-MM-DDTHH:MM:SS.ffffff` (Capitan's
 * reference); the space-separated form older exports show is accepted too.
 */
const capitanLocal = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/,
    'expected Capitan local time YYYY-MM-DDTHH:MM:SS.ffffff',
  );

/** DRF's page envelope. */
export const drfPageSchema = z.looseObject({
  count: z.number().int().nonnegative(),
  next: z.string().nullable(),
  results: z.array(z.unknown()),
});

export const customerSchema = z.looseObject({
  id,
  first_name: text,
  last_name: text,
  preferred_name: text,
  email: text,
  telephone: text,
  birthday: text,
  has_opted_in_to_marketing: flag,
  has_active_membership: flag,
  created_at: text,
});

export const customerMembershipSchema = z.looseObject({
  /** The membership instance. */
  id,
  /** The membership plan. */
  membership_id: id,
  name: z.string(),
  status: z.string(),
  owner_id: id,
  billing_amount: z.number().nullish(),
  start_date: text,
  end_date: text,
  all_customers: z.array(
    z.looseObject({
      id,
      member_id: id,
      first_name: text,
      last_name: text,
      is_individually_frozen: flag,
    }),
  ),
});

export const checkinSchema = z.looseObject({
  id,
  customer_id: id,
  /** The check-in window filters on it, so it must be in the API's own format. */
  check_in_datetime: capitanLocal,
  entry_method: z.string(),
  entry_method_description: text,
  check_in_count: z.number().int().nullish(),
});

export const associationSchema = z.looseObject({ id, name: z.string() });

export const associationMemberSchema = z.looseObject({
  id,
  association_id: id,
  customer_id: id,
  customer_first_name: text,
  customer_last_name: text,
});

export const eventSchema = z.looseObject({
  id,
  event_type_id: id.nullish(),
  event_parts: z.array(z.looseObject({ start_datetime_isoformat: text, end_datetime_isoformat: text })),
});

/** A relation as `customers/{id}/relations/` returns it. */
export const relationSchema = z.looseObject({
  related_customer_id: id,
  relation: z.string().min(1),
});

/** What the relations stream stores: the relation plus the customer it was fetched for. */
export const storedRelationSchema = relationSchema.extend({ customer_id: id });
