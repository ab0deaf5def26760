import { z } from 'zod';

/** Graph writes instants as `2025-10-28T15:54:34+0000`, an offset without a colon. */
const graphInstant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/, {
  message: 'expected a Graph time like 2025-10-28T15:54:34+0000',
});

export const accountSchema = z.looseObject({
  id: z.string().min(1),
  username: z.string(),
  followers_count: z.number().int().nonnegative(),
  media_count: z.number().int().nonnegative(),
});
export type Account = z.infer<typeof accountSchema>;

/** Graph omits a field it has no value for (no caption, hidden likes, a reel without a media URL). */
export const mediaSchema = z.looseObject({
  id: z.string().min(1),
  timestamp: graphInstant,
  media_type: z.string(),
  caption: z.string().optional(),
  media_url: z.string().optional(),
  thumbnail_url: z.string().optional(),
  permalink: z.string().optional(),
  like_count: z.number().int().nonnegative().optional(),
  comments_count: z.number().int().nonnegative().optional(),
});
export type Media = z.infer<typeof mediaSchema>;

export const mediaPageSchema = z.looseObject({
  data: z.array(z.unknown()),
  paging: z.looseObject({ next: z.string().optional() }).optional(),
});

export const insightsResponseSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      name: z.string(),
      values: z.array(z.looseObject({ value: z.number().nullish() })),
    }),
  ),
});

/**
 * The reach and saves of one post as of one gym-local day; `unavailable` is Graph's reason when it
 * will not give them for that post (both metrics are then null).
 */
export const insightsSchema = z.object({
  media_id: z.string().min(1),
  reach: z.number().int().nonnegative().nullable(),
  saved: z.number().int().nonnegative().nullable(),
  fetched_at_day: z.iso.date(),
  unavailable: z.string().min(1).optional(),
});

/** A post's image bytes, kept for the vision analysis (the CDN's URLs expire). */
export const imageSchema = z.object({
  media_id: z.string().min(1),
  content_type: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes_base64: z.base64(),
});
