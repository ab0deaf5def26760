import { inChunks } from '../../fetch/chunks.ts';
import {
  defineStream,
  IncompleteStreamError,
  type SourceDefinition,
  type StreamContext,
} from '../../fetch/source.ts';
import { storedRecordIds } from '../../fetch/stored.ts';
import { downloadImage, GraphError, graphGet, graphUrl } from '../meta-graph.ts';
import type { InstagramSettings } from './config.ts';
import { gymDay, isGymMonday } from './gym-day.ts';
import {
  type Account,
  accountSchema,
  imageSchema,
  insightsResponseSchema,
  insightsSchema,
  type Media,
  mediaPageSchema,
  mediaSchema,
} from './schemas.ts';

const DAY_MS = 86_400_000;
const MEDIA_FIELDS =
  'id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,like_count,comments_count';
const perChunk = 16;
/** Stored posts looked up one by one when a window's listing left them out; more is a broken list. */
const MAX_LOOKUPS = 20;

function lostPosts(ids: string[]): IncompleteStreamError {
  return new IncompleteStreamError(
    `media: ${ids.length} stored post(s) of the window were not listed again (${ids.slice(0, 3).join(', ')})`,
  );
}

const instagram: SourceDefinition<InstagramSettings> = {
  name: 'instagram',
  settings: (config) => config.sources.instagram,
  streams: (settings) => [
    accountStream(settings),

    defineStream({
      name: 'media',
      keepRecords: true,
      schema: mediaSchema,
      recordId: (media) => media.id,
      window: { kind: 'recent', days: 30 },
      async *pages(context) {
        const since = context.window.since;
        let next: string | undefined = graphUrl(settings, `${settings.accountId}/media`, {
          fields: MEDIA_FIELDS,
          limit: '100',
          ...(since ? { since: String(Math.floor(since.getTime() / 1000)) } : {}),
        });
        let received = 0;
        while (next) {
          const page = mediaPageSchema.parse(await graphGet(next, settings, context));
          // Graph lists newest first; anything older than the window is dropped here too, in case
          // `since` was ignored, and a page reaching past the window is the last one needed.
          const inWindow = since ? page.data.filter((m) => !(postedAt(m) < since.getTime())) : page.data;
          received += inWindow.length;
          yield inWindow;
          next = inWindow.length < page.data.length ? undefined : page.paging?.next;
        }
        const account = (context.earlier('account') as Account[])[0];
        if (!since && account && received !== account.media_count) {
          throw new IncompleteStreamError(
            `media: the account reports ${account.media_count} posts but ${received} arrived`,
          );
        }
      },
      // A daily window lists the recent posts only, and Graph's listing has no total for a window: every
      // post already stored from inside the window must be listed again, unless it was deleted.
      async verify(context) {
        const since = context.window.since;
        if (!since) return;
        const received = context.receivedIds('media');
        const rows = await context.db.query(
          `select distinct record_id from raw_instagram__media
           where try_strptime(payload->>'timestamp', '%Y-%m-%dT%H:%M:%S%z') >= $since::timestamptz`,
          { since: since.toISOString() },
        );
        const unlisted = rows.map((r) => String(r.record_id)).filter((id) => !received.has(id));
        if (unlisted.length > MAX_LOOKUPS) throw lostPosts(unlisted);
        const lost: string[] = [];
        for (const id of unlisted) {
          const url = graphUrl(settings, id, { fields: 'id' });
          const exists = await graphGet(url, settings, context).then(
            () => true,
            (error: unknown) => {
              // Graph answers a deleted post as an object it cannot load (code 100, subcode 33).
              if (error instanceof GraphError && error.code === 100) return false;
              throw error;
            },
          );
          if (exists) lost.push(id);
        }
        if (lost.length > 0) throw lostPosts(lost);
      },
    }),

    defineStream({
      name: 'insights',
      schema: insightsSchema,
      recordId: (insights) => insights.media_id,
      window: { kind: 'recent', days: 30 },
      // A post not refreshed on a run gets no record, so its last values stand (the old pipeline
      // wrote nulls over them).
      async *pages(context) {
        const fetchedBefore = await storedRecordIds(context.db, 'raw/instagram/insights');
        const until = context.window.until;
        const monday = isGymMonday(until, context.timeZone);
        const due = mediaOf(context).filter((media) =>
          insightsDue((until.getTime() - postedAt(media)) / DAY_MS, monday, fetchedBefore.has(media.id)),
        );
        const day = gymDay(context.window.until, context.timeZone);
        yield* inChunks(due, perChunk, async (media) => {
          const url = graphUrl(settings, `${media.id}/insights`, { metric: 'reach,saved' });
          let body: unknown;
          try {
            body = await graphGet(url, settings, context);
          } catch (error) {
            const reason = unavailableReason(error);
            if (reason === undefined) throw error;
            return { media_id: media.id, reach: null, saved: null, fetched_at_day: day, unavailable: reason };
          }
          const { data } = insightsResponseSchema.parse(body);
          const value = (name: string) => data.find((m) => m.name === name)?.values[0]?.value ?? null;
          return { media_id: media.id, reach: value('reach'), saved: value('saved'), fetched_at_day: day };
        });
      },
    }),

    defineStream({
      name: 'images',
      schema: imageSchema,
      recordId: (image) => image.media_id,
      window: { kind: 'recent', days: 30 },
      // Bytes, not URLs: the CDN's links expire, and the vision analysis reads the image later.
      async *pages(context) {
        const stored = await storedRecordIds(context.db, 'raw/instagram/images');
        const missing = mediaOf(context).filter((media) => !stored.has(media.id) && imageUrlOf(media));
        yield* inChunks(missing, perChunk, async (media) => ({
          media_id: media.id,
          ...(await downloadImage(imageUrlOf(media)!, context.retry)),
        }));
      },
    }),
  ],
};

export default instagram;

/**
 * The account as Graph returns it, one record per gym-local day of the run, so the follower count's
 * history accumulates in raw. The day is not part of the API's answer, so the run sets it for the
 * record id rather than adding it to the payload.
 */
function accountStream(settings: InstagramSettings) {
  let day = '';
  return defineStream({
    name: 'account',
    keepRecords: true,
    schema: accountSchema,
    recordId: (account) => `${account.id}:${day}`,
    window: { kind: 'full' },
    async *pages(context) {
      day = gymDay(context.window.until, context.timeZone);
      const url = graphUrl(settings, settings.accountId, { fields: 'username,followers_count,media_count' });
      yield [await graphGet(url, settings, context)];
    },
  });
}

function mediaOf(context: StreamContext): Media[] {
  return context.earlier('media') as Media[];
}

/** Epoch ms of a post's Graph timestamp (`+0000`, which Date.parse rejects); NaN when it has none. */
function postedAt(media: unknown): number {
  const timestamp = (media as { timestamp?: unknown } | null)?.timestamp;
  if (typeof timestamp !== 'string') return Number.NaN;
  return Date.parse(timestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/**
 * The original's refresh policy: posts up to 7 days old every run, up to 30 days old (the media
 * window) on the gym's Mondays or when never fetched, older ones never; reach barely moves after the
 * first week. Ages are exact, in days, so the 30 days match the media window's.
 */
function insightsDue(ageDays: number, monday: boolean, fetchedBefore: boolean): boolean {
  if (ageDays <= 7) return true;
  if (ageDays <= 30) return !fetchedBefore || monday;
  return false;
}

/**
 * Why Graph will not give one post's insights, when that is about the post and not the run: posted
 * before the account became a business account (code 100, subcode 2108006), or seen by too few
 * people (code 10). The post keeps null metrics with the reason; the stream goes on.
 */
function unavailableReason(error: unknown): string | undefined {
  if (!(error instanceof GraphError)) return undefined;
  const aboutThePost = error.code === 10 || (error.code === 100 && error.subcode === 2108006);
  if (!aboutThePost) return undefined;
  return `code ${error.code}${error.subcode ? `/${error.subcode}` : ''}: ${error.detail ?? error.message}`;
}

/** A video's image is its thumbnail; a post without either has nothing to download. */
function imageUrlOf(media: Media): string | undefined {
  return media.thumbnail_url ?? media.media_url;
}
