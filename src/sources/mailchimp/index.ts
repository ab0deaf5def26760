import { createHash } from 'node:crypto';
import { inChunks } from '../../fetch/chunks.ts';
import { readFetchState, type StreamState, stateKey } from '../../fetch/fetch-state.ts';
import {
  defineStream,
  type SourceDefinition,
  type StreamContext,
  type WindowPolicy,
} from '../../fetch/source.ts';
import { storedRecordIds } from '../../fetch/stored.ts';
import { allPages, callMailchimp, mailchimpTime, offsetPages, parseWith } from './client.ts';
import type { MailchimpSettings } from './config.ts';
import {
  type Campaign,
  campaignContentSchema,
  campaignSchema,
  contentResponseSchema,
  type EmailActivity,
  emailActivitySchema,
  memberSchema,
  reportSchema,
} from './schemas.ts';

type PagedStream = 'campaigns' | 'email_activity' | 'members';

export interface MailchimpOptions {
  /** Records per page of the paged lists; Mailchimp's maximum, 1000, unless a test wants many pages. */
  pageSize?: Partial<Record<PagedStream, number>>;
}

/** Campaigns sent in the last 90 days; their reports and activity still move, older ones have settled. */
const recentCampaigns: WindowPolicy = { kind: 'recent', days: 90 };
/** Campaigns fetched per round of per-campaign calls (each call still waits for a connection). */
const campaignsPerChunk = 16;

export function mailchimpSource(options: MailchimpOptions = {}): SourceDefinition<MailchimpSettings> {
  const pageSize = (stream: PagedStream) => options.pageSize?.[stream] ?? 1000;
  return {
    name: 'mailchimp',
    settings: (config) => config.sources.mailchimp,
    streams: (settings) => [
      defineStream({
        name: 'campaigns',
        keepRecords: true,
        schema: campaignSchema,
        recordId: (campaign) => campaign.id,
        window: recentCampaigns,
        // Sorted by send time so a campaign sent while paging lands on the last page, not mid-list.
        pages: (context) =>
          offsetPages(
            settings,
            'campaigns',
            'campaigns',
            pageSize('campaigns'),
            (client, page) =>
              client.campaigns.list({
                status: 'sent',
                since_send_time: context.window.since && mailchimpTime(context.window.since),
                sort_field: 'send_time',
                sort_dir: 'ASC',
                ...page,
              }),
            context.retry,
          ),
      }),

      defineStream({
        name: 'campaign_content',
        schema: campaignContentSchema,
        recordId: (content) => content.campaign_id,
        window: recentCampaigns,
        // A sent campaign's content never changes, so it is fetched once per campaign.
        async *pages(context) {
          const stored = await storedRecordIds(context.db, 'raw/mailchimp/campaign_content');
          const missing = campaignsOf(context).filter((campaign) => !stored.has(campaign.id));
          yield* inChunks(missing, campaignsPerChunk, async (campaign) => {
            const what = `campaign ${campaign.id} content`;
            const content = await callMailchimp(
              settings,
              what,
              (client) => client.campaigns.getContent(campaign.id),
              parseWith(contentResponseSchema, what),
              context.retry,
            );
            return { campaign_id: campaign.id, html: content.html, plain_text: content.plain_text ?? null };
          });
        },
      }),

      defineStream({
        name: 'reports',
        schema: reportSchema,
        recordId: (report) => report.id,
        window: recentCampaigns,
        pages: (context) =>
          inChunks(campaignsOf(context), campaignsPerChunk, (campaign) =>
            callMailchimp(
              settings,
              `report ${campaign.id}`,
              (client) => client.reports.getCampaignReport(campaign.id),
              (body) => body,
              context.retry,
            ),
          ),
      }),

      defineStream({
        name: 'email_activity',
        schema: emailActivitySchema,
        recordId: emailActivityId,
        window: recentCampaigns,
        async *pages(context) {
          const previous = (await readFetchState(context.db)).get(stateKey('mailchimp', 'email_activity'));
          const perCampaign = inChunks(campaignsOf(context), campaignsPerChunk, async (campaign) => {
            const since = activitySince(campaign, previous);
            const recipients = await allPages(
              settings,
              `campaign ${campaign.id} email activity`,
              'emails',
              pageSize('email_activity'),
              (client, page) =>
                client.reports.getEmailActivityForCampaign(campaign.id, {
                  since: since && mailchimpTime(since),
                  ...page,
                }),
              context.retry,
            );
            // With `since`, a recipient with nothing new may still be listed (with no activity): the
            // recipient was stored when the campaign was first fetched whole, so it adds nothing.
            return since
              ? recipients.filter((r) => ((r as { activity?: unknown[] }).activity?.length ?? 0) > 0)
              : recipients;
          });
          for await (const chunk of perCampaign) yield chunk.flat();
        },
      }),

      defineStream({
        name: 'members',
        schema: memberSchema,
        recordId: (member) => member.id,
        // Mailchimp's `since_last_changed` covers a member's status and merge fields: every audience
        // field a member record carries, so the members changed since the last run are all of them.
        window: { kind: 'changed', reachBackMinutes: 10 },
        pages: (context) =>
          offsetPages(
            settings,
            `audience ${settings.audienceId} members`,
            'members',
            pageSize('members'),
            (client, page) =>
              client.lists.getListMembersInfo(settings.audienceId, {
                ...(context.window.since ? { since_last_changed: mailchimpTime(context.window.since) } : {}),
                ...page,
              }),
            context.retry,
          ),
      }),
    ],
  };
}

export default mailchimpSource();

function campaignsOf(context: StreamContext): Campaign[] {
  return context.earlier('campaigns') as Campaign[];
}

/**
 * Only the activity after the last successful run, for a campaign that run had already fetched whole
 * (sent inside its window). Re-reading every recipient of every recent campaign each day was the old
 * pipeline's slowest step. Mailchimp answers `since` with each recipient's activity after it (only the
 * recipients with some are kept), so a recipient's newest raw version holds just the latest events; staging
 * therefore merges the events of every version (see stg_mailchimp__recipients.sql) rather than
 * reading the newest alone. There is no overlap with the previous window: a re-run would otherwise
 * store a partial-history version of records it already holds.
 */
function activitySince(campaign: Campaign, previous: StreamState | undefined): Date | undefined {
  if (!previous) return undefined;
  const sent = Date.parse(campaign.send_time);
  const inPreviousWindow =
    sent < previous.windowUntil.getTime() &&
    (previous.windowSince === null || sent >= previous.windowSince.getTime());
  return inPreviousWindow ? previous.windowUntil : undefined;
}

/** One record per campaign and recipient; `email_id` is Mailchimp's md5 of the lower-cased address. */
function emailActivityId(recipient: EmailActivity): string {
  const emailId =
    recipient.email_id ??
    createHash('md5').update(recipient.email_address.trim().toLowerCase()).digest('hex');
  return `${recipient.campaign_id}:${emailId}`;
}
