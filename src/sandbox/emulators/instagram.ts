import { randomBytes } from 'node:crypto';
import { sandboxCredentials } from '../credentials.ts';
import type { InstagramAccount, InstagramMedia, SandboxDataset } from '../dataset.ts';
import { type EmulatorRequest, type EmulatorResponse, HttpEmulator, type Route } from './http-emulator.ts';

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 100;
/** Image bytes live under this prefix, served like the CDN: no token. */
const IMAGE_PREFIX = '/media/';

/**
 * Metrics a media object's insights answer since Graph v22.0: `impressions`, `plays`,
 * `clips_replays_count`, `ig_reels_aggregated_all_plays_count` and `video_views` were removed (for
 * every version from 2025-04-21), and `views` arrived for feed, story and reel media
 * (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights).
 */
const MEDIA_METRICS = {
  reach: {
    title: 'Accounts reached',
    description: 'The number of unique accounts that have seen this post.',
  },
  saved: { title: 'Saved', description: 'The number of saves of your post.' },
  likes: { title: 'Likes', description: 'The number of likes on your post.' },
  comments: { title: 'Comments', description: 'The number of comments on your post.' },
  shares: { title: 'Shares', description: 'The number of shares of your post.' },
  views: { title: 'Views', description: 'The number of times your post was played or displayed.' },
  total_interactions: {
    title: 'Interactions',
    description:
      'The number of likes, saves, comments and shares on your post, minus the number of unlikes, unsaves and deleted comments.',
  },
  follows: {
    title: 'Follows',
    description: 'The number of accounts that started following you from this post.',
  },
  profile_visits: {
    title: 'Profile visits',
    description: 'The number of times your profile was visited from this post.',
  },
  profile_activity: {
    title: 'Profile activity',
    description:
      'The number of actions people take when they visit your profile after engaging with your post.',
  },
} as const;
type MediaMetric = keyof typeof MEDIA_METRICS;

/**
 * Graph's versions with the day each arrived and the day it stops working, from Meta's changelog
 * (https://developers.facebook.com/docs/graph-api/changelog/versions/). A call to a version past its
 * end is "defaulted to the next oldest, usable version" (the Platform Versioning guide), and every
 * answer names the version that served it in `facebook-api-version`.
 */
const GRAPH_VERSIONS: readonly { version: string; introduced: string; expires: string | null }[] = [
  { version: 'v17.0', introduced: '2023-05-23', expires: '2025-09-12' },
  { version: 'v18.0', introduced: '2023-09-12', expires: '2026-01-26' },
  { version: 'v19.0', introduced: '2024-01-23', expires: '2026-05-21' },
  { version: 'v20.0', introduced: '2024-05-21', expires: '2026-09-24' },
  { version: 'v21.0', introduced: '2024-10-02', expires: '2027-01-21' },
  { version: 'v22.0', introduced: '2025-01-21', expires: '2027-05-20' },
  { version: 'v23.0', introduced: '2025-05-29', expires: '2027-10-08' },
  { version: 'v24.0', introduced: '2025-10-08', expires: '2028-02-18' },
  { version: 'v25.0', introduced: '2026-02-18', expires: '2028-07-29' },
  { version: 'v26.0', introduced: '2026-07-29', expires: null },
];

/** The version that answers a call to `asked` at `clock`, or undefined for one that does not exist yet. */
export function servedGraphVersion(asked: string, clock: Date): string | undefined {
  const day = clock.toISOString().slice(0, 10);
  const usable = GRAPH_VERSIONS.filter((v) => v.introduced <= day && (v.expires === null || day < v.expires));
  const known = GRAPH_VERSIONS.find((v) => v.version === asked && v.introduced <= day);
  if (!known) return undefined;
  if (usable.some((v) => v.version === asked)) return asked;
  return usable[0]?.version;
}

/** Graph's rate-limit errors (https://developers.facebook.com/docs/graph-api/overview/rate-limiting). */
const THROTTLES = {
  4: '(#4) Application request limit reached',
  17: '(#17) User request limit reached',
  32: '(#32) Page request limit reached',
  613: '(#613) Calls to this api have exceeded the rate limit.',
} as const;

/** The body Graph throttles with: HTTP 400 (or 403), an error code, `is_transient: true`. */
export function graphThrottle(code: keyof typeof THROTTLES, status: 400 | 403 = 400) {
  return {
    status,
    json: {
      error: {
        message: THROTTLES[code],
        type: 'OAuthException',
        is_transient: true,
        code,
        fbtrace_id: randomBytes(8).toString('base64url'),
      },
    },
  };
}

/**
 * The errors the insights of one post can answer while others work: a post too few people saw
 * ("(#10) Not enough viewers for the media to show insights", per the media insights reference) and
 * one posted before the account became a business account (code 100, subcode 2108006).
 */
export function insightsUnavailable(reason: 'too-few-viewers' | 'before-business-conversion') {
  const error =
    reason === 'too-few-viewers'
      ? {
          message: '(#10) Not enough viewers for the media to show insights',
          type: 'OAuthException',
          code: 10,
        }
      : {
          message: 'Invalid parameter',
          type: 'OAuthException',
          code: 100,
          error_subcode: 2108006,
          error_user_title: 'Media Posted Before Business Account Conversion',
          error_user_msg:
            'The media was posted before the most recent time that the user’s account was converted to a business account from a personal account.',
        };
  return {
    status: 400,
    json: { error: { ...error, is_transient: false, fbtrace_id: randomBytes(8).toString('base64url') } },
  };
}

/** Fields the real node types have; requested ones the sandbox cannot fill are omitted, as Graph omits empty ones. */
const USER_FIELDS = new Set([
  'id',
  'ig_id',
  'username',
  'name',
  'biography',
  'website',
  'profile_picture_url',
  'followers_count',
  'follows_count',
  'media_count',
]);
const MEDIA_FIELDS = new Set([
  'id',
  'caption',
  'media_type',
  'media_url',
  'thumbnail_url',
  'permalink',
  'timestamp',
  'like_count',
  'comments_count',
  'username',
  'media_product_type',
  'is_comment_enabled',
  'shortcode',
  'owner',
  'children',
  'alt_text',
]);

export function graphError(
  message: string,
  options: {
    type?: string;
    code: number;
    subcode?: number;
    status?: number;
    headers?: Record<string, string>;
  },
): EmulatorResponse {
  return {
    status: options.status ?? 400,
    headers: options.headers,
    json: {
      error: {
        message,
        type: options.type ?? 'OAuthException',
        code: options.code,
        ...(options.subcode ? { error_subcode: options.subcode } : {}),
        is_transient: false,
        fbtrace_id: randomBytes(8).toString('base64url'),
      },
    },
  };
}

const unsupportedGet = (id: string): EmulatorResponse =>
  graphError(
    `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    { type: 'GraphMethodException', code: 100, subcode: 33 },
  );

/**
 * The Instagram Graph API under its versioned prefix (`/v25.0`): `access_token` query auth, field selection,
 * cursor paging with absolute `next` links, media insights, and a token-free image route standing in
 * for the CDN.
 */
export function createInstagramEmulator(
  dataset: SandboxDataset,
  /** `graphRoutes`: other Meta products served on the same Graph origin (the Marketing API), tried first. */
  options: { clock?: Date; apiKey?: string; graphRoutes?: Route[] } = {},
): HttpEmulator {
  const accessToken = options.apiKey ?? sandboxCredentials.instagramAccessToken;
  const instagram = dataset.instagram;

  const mediaAt = (id: string, clock: Date): InstagramMedia | undefined =>
    instagram.media(clock).find((media) => media.id === id);

  const routes: Route[] = [
    ...(options.graphRoutes ?? []),
    {
      method: 'GET',
      pattern: `${IMAGE_PREFIX}:file`,
      handler: (req) => {
        const media = instagram.media(req.clock).find((m) => m.media_path === req.path);
        const image = media && instagram.image(media.id);
        if (!image) return { status: 404, bytes: Buffer.from('Not Found'), contentType: 'text/plain' };
        return { status: 200, bytes: image.bytes, contentType: image.contentType };
      },
    },
    versioned('/:version/:id/media', (req) => {
      const account = instagram.account(req.clock);
      if (req.params.id !== account.id) return unsupportedGet(req.params.id!);
      return listMedia(req, instagram.media(req.clock), account);
    }),
    versioned('/:version/:id/insights', (req) => {
      const media = mediaAt(req.params.id!, req.clock);
      const insights = media && instagram.insights(media.id, req.clock);
      if (!media || !insights) return unsupportedGet(req.params.id!);
      const metrics = parseMetrics(req.query.get('metric'));
      if ('error' in metrics) return metrics.error;
      // The sandbox knows reach and saves; the other metrics follow from them and the counts.
      const shares = Math.round(insights.saved * 0.6);
      const values: Record<MediaMetric, number> = {
        reach: insights.reach,
        saved: insights.saved,
        likes: media.like_count,
        comments: media.comments_count,
        shares,
        views: Math.round(insights.reach * 1.4),
        total_interactions: media.like_count + media.comments_count + insights.saved + shares,
        follows: Math.round(insights.reach / 400),
        profile_visits: Math.round(insights.reach / 40),
        profile_activity: Math.round(insights.reach / 120),
      };
      return {
        status: 200,
        json: {
          data: metrics.names.map((name) => ({
            name,
            period: 'lifetime',
            values: [{ value: values[name] }],
            title: MEDIA_METRICS[name].title,
            description: MEDIA_METRICS[name].description,
            id: `${media.id}/insights/${name}/lifetime`,
          })),
        },
      };
    }),
    versioned('/:version/:id', (req) => {
      const account = instagram.account(req.clock);
      const fields = req.query.get('fields');
      if (req.params.id === account.id) return selectFields({ ...account }, fields, USER_FIELDS, 'IGUser');
      const media = mediaAt(req.params.id!, req.clock);
      if (!media) return unsupportedGet(req.params.id!);
      return selectFields(renderMedia(media, account, req.origin), fields, MEDIA_FIELDS, 'IGMedia');
    }),
  ];

  return new HttpEmulator({
    name: 'instagram',
    routes,
    clock: options.clock ?? dataset.asOf,
    authenticate: (req) => authenticate(req, accessToken),
    notFound: (req) => graphError(`Unknown path components: ${req.path}`, { code: 2500 }),
  });
}

export function versioned(
  pattern: string,
  handler: (req: EmulatorRequest) => EmulatorResponse,
  route: Partial<Pick<Route, 'method' | 'claims'>> = {},
): Route {
  return {
    method: route.method ?? 'GET',
    pattern,
    ...(route.claims ? { claims: route.claims } : {}),
    handler: (req) => {
      const served = servedGraphVersion(req.params.version!, req.clock);
      if (!served) return graphError(`Unknown path components: ${req.path}`, { code: 2500 });
      const response = handler(req);
      return 'json' in response
        ? { ...response, headers: { ...response.headers, 'facebook-api-version': served } }
        : response;
    },
  };
}

function authenticate(req: EmulatorRequest, accessToken: string): EmulatorResponse | undefined {
  if (req.path.startsWith(IMAGE_PREFIX)) return undefined;
  if (req.query.get('access_token') === accessToken) return undefined;
  return graphError('Invalid OAuth access token - Cannot parse access token', {
    code: 190,
    headers: {
      'www-authenticate':
        'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token"',
    },
  });
}

function renderMedia(
  media: InstagramMedia,
  account: InstagramAccount,
  origin: string,
): Record<string, unknown> {
  const url = `${origin}${media.media_path}`;
  return {
    id: media.id,
    caption: media.caption,
    media_type: media.media_type,
    media_url: url,
    ...(media.media_type === 'VIDEO' ? { thumbnail_url: url } : {}),
    permalink: media.permalink,
    timestamp: graphTimestamp(media.timestamp),
    like_count: media.like_count,
    comments_count: media.comments_count,
    username: account.username,
    media_product_type: 'FEED',
    owner: { id: account.id },
  };
}

/** Graph writes UTC instants as `2025-10-28T15:54:34+0000`. */
function graphTimestamp(value: string): string {
  return `${new Date(instantOf(value)).toISOString().slice(0, 19)}+0000`;
}

/** Epoch ms of an ISO timestamp, including Graph's colon-less `+0000` offset that Date.parse rejects. */
function instantOf(value: string): number {
  return Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** Graph returns `id` plus the requested fields; a field the node type lacks is an error. */
function selectFields(
  node: Record<string, unknown>,
  fields: string | null,
  known: Set<string>,
  nodeType: string,
): EmulatorResponse {
  const result = fieldsOf(node, fields, known, nodeType);
  return 'error' in result ? result.error : { status: 200, json: result.value };
}

function fieldsOf(
  node: Record<string, unknown>,
  fields: string | null,
  known: Set<string>,
  nodeType: string,
): { value: Record<string, unknown> } | { error: EmulatorResponse } {
  const names = (fields ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.find((name) => !known.has(name));
  if (unknown) {
    return {
      error: graphError(`(#100) Tried accessing nonexisting field (${unknown}) on node type (${nodeType})`, {
        code: 100,
      }),
    };
  }
  const value: Record<string, unknown> = {};
  for (const name of names) if (node[name] !== undefined) value[name] = node[name];
  value.id = node.id;
  return { value };
}

function listMedia(req: EmulatorRequest, all: InstagramMedia[], account: InstagramAccount): EmulatorResponse {
  const window = parseWindow(req.query);
  if ('error' in window) return window.error;
  const media = all
    .map((item) => ({ item, seconds: instantOf(item.timestamp) / 1000 }))
    // Half-open [since, until) so consecutive windows tile without overlap.
    .filter(({ seconds }) => (window.since ?? -Infinity) <= seconds && seconds < (window.until ?? Infinity))
    .sort((a, b) => b.seconds - a.seconds || (a.item.id < b.item.id ? 1 : -1))
    .map(({ item }) => item);

  const limitParam = Number(req.query.get('limit'));
  const limit =
    Number.isInteger(limitParam) && limitParam > 0 ? Math.min(limitParam, MAX_LIMIT) : DEFAULT_LIMIT;
  const after = req.query.get('after');
  const before = req.query.get('before');
  let start = 0;
  let end = limit;
  const cursor = after ?? before;
  if (cursor) {
    const index = media.findIndex((m) => cursorOf(m) === cursor);
    if (index < 0) return graphError('(#100) The cursor parameter is invalid', { code: 100 });
    start = after ? index + 1 : Math.max(0, index - limit);
    end = after ? start + limit : index;
  }
  end = Math.min(end, media.length);
  const page = media.slice(start, end);
  if (page.length === 0) return { status: 200, json: { data: [] } };

  const rows: Record<string, unknown>[] = [];
  for (const m of page) {
    const selected = fieldsOf(
      renderMedia(m, account, req.origin),
      req.query.get('fields'),
      MEDIA_FIELDS,
      'IGMedia',
    );
    if ('error' in selected) return selected.error;
    rows.push(selected.value);
  }
  const link = (cursor: 'before' | 'after', value: string): string => {
    const params = new URLSearchParams(req.query);
    params.delete('before');
    params.delete('after');
    params.set(cursor, value);
    return `${req.origin}${req.path}?${params.toString()}`;
  };
  const first = cursorOf(page[0]!);
  const last = cursorOf(page.at(-1)!);
  return {
    status: 200,
    json: {
      data: rows,
      paging: {
        cursors: { before: first, after: last },
        ...(end < media.length ? { next: link('after', last) } : {}),
        ...(start > 0 ? { previous: link('before', first) } : {}),
      },
    },
  };
}

function cursorOf(media: InstagramMedia): string {
  return Buffer.from(`media:${media.id}`).toString('base64url');
}

/** `since`/`until` as unix seconds (Graph also takes strtotime-style dates). */
function parseWindow(
  query: URLSearchParams,
): { since?: number; until?: number } | { error: EmulatorResponse } {
  const window: { since?: number; until?: number } = {};
  for (const key of ['since', 'until'] as const) {
    const raw = query.get(key);
    if (!raw) continue;
    const seconds = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw) / 1000;
    if (Number.isNaN(seconds)) {
      return {
        error: graphError(`(#100) The parameter ${key} must be a valid unix timestamp`, { code: 100 }),
      };
    }
    window[key] = seconds;
  }
  return window;
}

function parseMetrics(value: string | null): { names: MediaMetric[] } | { error: EmulatorResponse } {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0)
    return { error: graphError('(#100) The parameter metric is required', { code: 100 }) };
  const allowed = Object.keys(MEDIA_METRICS);
  const badIndex = names.findIndex((name) => !allowed.includes(name));
  if (badIndex >= 0) {
    return {
      error: graphError(
        `(#100) metric[${badIndex}] must be one of the following values: ${allowed.join(', ')}`,
        { code: 100 },
      ),
    };
  }
  return { names: names as MediaMetric[] };
}
