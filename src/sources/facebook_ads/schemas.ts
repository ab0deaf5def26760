import { z } from 'zod';

/** The Marketing API writes counts and money as decimal strings (`"12.34"` in the account currency). */
const decimal = z.string().regex(/^\d+(\.\d+)?$/, { message: 'expected a decimal string' });
const count = z.string().regex(/^\d+$/, { message: 'expected a whole-number string' });
const day = z.iso.date();

/** `actions` and `action_values`: one entry per action type, its value a decimal string. */
const actionList = z.array(z.looseObject({ action_type: z.string().min(1), value: decimal })).optional();

/** One ad's (or campaign's) insights for one day: `time_increment=1` makes date_start equal date_stop. */
export const adInsightSchema = z
  .looseObject({
    account_id: z.string().min(1),
    campaign_id: z.string().min(1),
    campaign_name: z.string(),
    adset_id: z.string().min(1),
    adset_name: z.string(),
    ad_id: z.string().min(1),
    ad_name: z.string(),
    spend: decimal,
    impressions: count,
    reach: count,
    clicks: count,
    inline_link_clicks: count.optional(),
    actions: actionList,
    action_values: actionList,
    date_start: day,
    date_stop: day,
  })
  .refine((row) => row.date_start === row.date_stop, {
    message: 'expected one day per row (time_increment=1)',
  });
export type AdInsight = z.infer<typeof adInsightSchema>;

export const campaignInsightSchema = z
  .looseObject({
    campaign_id: z.string().min(1),
    campaign_name: z.string(),
    spend: decimal,
    impressions: count,
    clicks: count,
    date_start: day,
    date_stop: day,
  })
  .refine((row) => row.date_start === row.date_stop, {
    message: 'expected one day per row (time_increment=1)',
  });

export const campaignSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  objective: z.string(),
  created_time: z.string(),
});

export const adSetSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  campaign_id: z.string().min(1),
});

/** An ad with its creative's copy, where a promo code appears ("use code CLIMB20"). */
export const adSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  adset_id: z.string().min(1),
  campaign_id: z.string().min(1),
  creative: z
    .looseObject({ id: z.string().min(1), title: z.string().optional(), body: z.string().optional() })
    .optional(),
});

/** A page of an edge: `data` and cursor paging, whose `next` link carries the token. */
export const pageSchema = z.looseObject({
  data: z.array(z.unknown()),
  paging: z
    .looseObject({
      cursors: z.looseObject({ before: z.string().optional(), after: z.string().optional() }).optional(),
      next: z.string().optional(),
    })
    .optional(),
});

/** The answer to POST /act_{id}/insights. */
export const reportRunStartedSchema = z.looseObject({ report_run_id: z.string().min(1) });

/** GET /{report_run_id}: the AdReportRun's progress. */
export const reportRunSchema = z.looseObject({
  id: z.string().min(1),
  async_status: z.string(),
  async_percent_completion: z.number().min(0).max(100),
});

/**
 * `x-fb-ads-insights-throttle`: how much of the app's and the ad account's insights quota is used,
 * in percent (Meta's Insights "Limits and Best Practices").
 */
export const insightsThrottleSchema = z.looseObject({
  app_id_util_pct: z.number().optional(),
  acc_id_util_pct: z.number().optional(),
  ads_api_access_tier: z.string().optional(),
});

/**
 * `x-business-use-case-usage`: per business id, one entry per use case (`ads_insights`,
 * `ads_management`), with percentages and the minutes until a throttled caller regains access.
 */
export const businessUseCaseUsageSchema = z.record(
  z.string(),
  z.array(
    z.looseObject({
      type: z.string(),
      call_count: z.number().optional(),
      total_cputime: z.number().optional(),
      total_time: z.number().optional(),
      estimated_time_to_regain_access: z.number().optional(),
    }),
  ),
);
