import { defineStream, type SourceDefinition, type StreamContext } from '../../fetch/source.ts';
import { gymDay } from '../instagram/gym-day.ts';
import { AdsClient } from './client.ts';
import type { FacebookAdsSettings } from './config.ts';
import { adInsightSchema, adSchema, adSetSchema, campaignInsightSchema, campaignSchema } from './schemas.ts';

const AD_INSIGHT_FIELDS = [
  'account_id',
  'campaign_id',
  'campaign_name',
  'adset_id',
  'adset_name',
  'ad_id',
  'ad_name',
  'spend',
  'impressions',
  'reach',
  'clicks',
  'inline_link_clicks',
  'actions',
  'action_values',
] as const;
/** For the reconciliation: the additive metrics only (reach is not additive over ads). */
const CAMPAIGN_INSIGHT_FIELDS = ['campaign_id', 'campaign_name', 'spend', 'impressions', 'clicks'] as const;
/**
 * Meta restates recent days (late conversions, invalid-click credits), so every run asks again for
 * the last 28 days; a re-fetched day is a new raw version of the same (ad id, date) record, and
 * staging keeps the latest, so days outside the window never change.
 */
const LOOKBACK_DAYS = 28;
const insightsWindow = { kind: 'recent', days: 1, lookbackDays: LOOKBACK_DAYS } as const;

const facebookAds: SourceDefinition<FacebookAdsSettings> = {
  name: 'facebook_ads',
  settings: (config) => config.sources.facebook_ads,
  streams: (settings) => [
    defineStream({
      name: 'campaigns',
      keepRecords: true,
      schema: campaignSchema,
      recordId: (campaign) => campaign.id,
      window: { kind: 'full' },
      pages: (context) =>
        new AdsClient(settings, context).edge(`act_${settings.accountId}/campaigns`, {
          fields: 'id,name,status,objective,created_time',
        }),
    }),
    defineStream({
      name: 'adsets',
      schema: adSetSchema,
      recordId: (adSet) => adSet.id,
      window: { kind: 'full' },
      pages: (context) =>
        new AdsClient(settings, context).edge(`act_${settings.accountId}/adsets`, {
          fields: 'id,name,status,campaign_id',
        }),
    }),
    defineStream({
      name: 'ads',
      schema: adSchema,
      recordId: (ad) => ad.id,
      window: { kind: 'full' },
      pages: (context) =>
        new AdsClient(settings, context).edge(`act_${settings.accountId}/ads`, {
          fields: 'id,name,status,adset_id,campaign_id,creative{id,title,body}',
        }),
    }),
    defineStream({
      name: 'insights',
      schema: adInsightSchema,
      recordId: (row) => `${row.ad_id}:${row.date_start}`,
      window: insightsWindow,
      pages: (context) =>
        new AdsClient(settings, context).insights({
          level: 'ad',
          fields: AD_INSIGHT_FIELDS,
          ...days(context),
        }),
    }),
    defineStream({
      name: 'campaign_insights',
      schema: campaignInsightSchema,
      recordId: (row) => `${row.campaign_id}:${row.date_start}`,
      window: insightsWindow,
      pages: (context) =>
        new AdsClient(settings, context).insights({
          level: 'campaign',
          fields: CAMPAIGN_INSIGHT_FIELDS,
          ...days(context),
        }),
    }),
  ],
};

export default facebookAds;

/** The window's gym-local days; a first run reaches back to the oldest campaign's creation. */
function days(context: StreamContext): { since: string; until: string } {
  const until = gymDay(context.window.until, context.timeZone);
  if (context.window.since) return { since: gymDay(context.window.since, context.timeZone), until };
  const created = (context.earlier('campaigns') as { created_time: string }[])
    .map((campaign) => campaign.created_time.slice(0, 10))
    .sort();
  return { since: created[0] ?? until, until };
}
