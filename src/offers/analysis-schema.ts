import { z } from 'zod';

export const OFFER_TYPES = [
  'membership_discount',
  'day_pass_discount',
  'retail_discount',
  'free_trial',
  'other',
] as const;
export const EMAIL_CATEGORIES = [
  'welcome',
  'promotional',
  'newsletter',
  'transactional',
  're-engagement',
  'other',
] as const;

export type OfferType = (typeof OFFER_TYPES)[number];
export type EmailCategory = (typeof EMAIL_CATEGORIES)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

/** The offer fields, as the seed specifies them (section 5). */
export const offerSchema = z.strictObject({
  has_offer: z.boolean(),
  offer_type: z.enum(OFFER_TYPES).nullable(),
  offer_amount: z.string().max(200).nullable(),
  offer_code: z.string().max(64).nullable(),
  offer_expires: isoDate.nullable(),
  offer_description: z.string().max(500).nullable(),
  email_category: z.enum(EMAIL_CATEGORIES),
});
export type Offer = z.infer<typeof offerSchema>;

/** One call's whole answer about a template: the offer plus the content analysis. */
export const templateAnalysisSchema = offerSchema.extend({
  summary: z.string().max(1000),
  tone: z.string().max(100),
  content_type: z.string().max(100),
  calls_to_action: z.array(z.string().max(200)).max(20),
  themes: z.array(z.string().max(100)).max(20),
});
export type TemplateAnalysis = z.infer<typeof templateAnalysisSchema>;

export const imageAnalysisSchema = z.strictObject({
  description: z.string().max(1000),
  activity_type: z.string().max(100),
  themes: z.array(z.string().max(100)).max(20),
});
export type ImageAnalysis = z.infer<typeof imageAnalysisSchema>;

/** The JSON schema a tool's `input_schema` takes, from the zod schema that validates the answer. */
export function toolInputSchema(schema: z.ZodType): { type: 'object'; [key: string]: unknown } {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { ...json, type: 'object' };
}
