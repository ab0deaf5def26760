import { z } from 'zod';

/** Mailchimp writes instants as ISO 8601 with an offset, `2025-10-21T15:41:36+00:00`. */
const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/, {
  message: 'expected an ISO 8601 time with an offset',
});
/** Mailchimp sends `""` for a time it does not know (e.g. `timestamp_signup` of an imported member). */
const optionalInstant = z.union([instant, z.literal('')]);

export const campaignSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  send_time: instant,
  emails_sent: z.number().int().nonnegative(),
  recipients: z.looseObject({
    list_id: z.string(),
    segment_opts: z.looseObject({ saved_segment_id: z.number().optional() }).optional(),
  }),
  settings: z.looseObject({ title: z.string(), subject_line: z.string() }),
});
export type Campaign = z.infer<typeof campaignSchema>;

/** What the content endpoint answers (it also carries links and variate contents we don't keep). */
export const contentResponseSchema = z.looseObject({
  html: z.string(),
  plain_text: z.string().nullish(),
});

/** The record stored for a campaign's content: immutable once sent, so fetched once. */
export const campaignContentSchema = z.object({
  campaign_id: z.string().min(1),
  html: z.string(),
  plain_text: z.string().nullable(),
});

export const reportSchema = z.looseObject({
  id: z.string().min(1),
  emails_sent: z.number().int().nonnegative(),
  unsubscribed: z.number().int().nonnegative(),
  bounces: z.looseObject({ hard_bounces: z.number(), soft_bounces: z.number() }),
  opens: z.looseObject({ opens_total: z.number(), unique_opens: z.number(), open_rate: z.number() }),
  clicks: z.looseObject({
    clicks_total: z.number(),
    unique_clicks: z.number(),
    unique_subscriber_clicks: z.number(),
    click_rate: z.number(),
  }),
});

export const emailActivitySchema = z.looseObject({
  campaign_id: z.string().min(1),
  email_id: z.string().optional(),
  email_address: z.string().min(1),
  activity: z.array(z.looseObject({ action: z.string(), timestamp: instant })),
});
export type EmailActivity = z.infer<typeof emailActivitySchema>;

export const memberSchema = z.looseObject({
  id: z.string().min(1),
  email_address: z.string().min(1),
  status: z.enum(['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional', 'archived']),
  merge_fields: z.record(z.string(), z.unknown()).optional(),
  timestamp_signup: optionalInstant.optional(),
  timestamp_opt: optionalInstant.optional(),
  last_changed: optionalInstant.optional(),
  tags: z.array(z.looseObject({ name: z.string() })).optional(),
});
