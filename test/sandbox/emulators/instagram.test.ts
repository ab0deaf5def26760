import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxCredentials } from '../../../src/sandbox/credentials.ts';
import type { InstagramMedia, SandboxDataset } from '../../../src/sandbox/dataset.ts';
import type { HttpEmulator } from '../../../src/sandbox/emulators/http-emulator.ts';
import { createInstagramEmulator } from '../../../src/sandbox/emulators/instagram.ts';
import { generateGym } from '../../../src/sandbox/generate.ts';

const token = sandboxCredentials.instagramAccessToken;
const DAY = 86_400_000;
const MEDIA_FIELDS =
  'id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,like_count,comments_count';

interface MediaPage {
  data: Record<string, unknown>[];
  paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
}

/** Follows `paging.next` to the end, checking that every link is absolute and carries token and fields. */
async function pageThrough(
  firstUrl: string,
  origin: string,
): Promise<{ rows: Record<string, unknown>[]; pages: number }> {
  const rows: Record<string, unknown>[] = [];
  let url: string | undefined = firstUrl;
  let pages = 0;
  while (url) {
    const page: MediaPage = await getJson<MediaPage>(url);
    rows.push(...page.data);
    pages += 1;
    url = page.paging?.next;
    if (url) {
      const next = new URL(url);
      expect(next.origin).toBe(origin);
      expect(next.searchParams.get('access_token')).toBe(token);
      expect(next.searchParams.get('fields')).toBe(new URL(firstUrl).searchParams.get('fields'));
      expect(next.searchParams.get('after')).toBe(page.paging!.cursors.after);
    }
  }
  return { rows, pages };
}

function plus0000(timestamp: string): string {
  return `${new Date(timestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString().slice(0, 19)}+0000`;
}

describe('Instagram Graph emulator over the tiny gym', () => {
  let dataset: SandboxDataset;
  let emulator: HttpEmulator;
  let origin: string;
  let accountId: string;

  beforeAll(async () => {
    dataset = await generateGym({ size: 'tiny' });
    emulator = createInstagramEmulator(dataset);
    origin = await emulator.listen();
    accountId = dataset.instagram.account(dataset.asOf).id;
  });
  afterAll(() => emulator.close());

  const mediaUrl = (query: string) =>
    `${origin}/v25.0/${accountId}/media?fields=${MEDIA_FIELDS}&access_token=${token}${query}`;

  it('serves the account with the fields asked for', async () => {
    const account = await getJson(
      `${origin}/v25.0/${accountId}?fields=username,followers_count,media_count&access_token=${token}`,
    );
    expect(account).toEqual(dataset.instagram.account(dataset.asOf));
  });

  it('pages through all media newest first, with absolute CDN media_url and +0000 timestamps', async () => {
    const expected = dataset.instagram.media(dataset.asOf);
    expect(expected.length).toBeGreaterThan(25);
    expect(dataset.instagram.account(dataset.asOf).media_count).toBe(expected.length);

    const { rows, pages } = await pageThrough(mediaUrl('&limit=25'), origin);
    expect(pages).toBe(Math.ceil(expected.length / 25));
    expect(rows).toHaveLength(expected.length);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(expected.map((m) => m.id)));
    const times = rows.map((r) => Date.parse(String(r.timestamp).replace('+0000', 'Z')));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const byId = new Map(expected.map((m) => [m.id, m]));
    for (const row of rows) {
      const media = byId.get(String(row.id))!;
      expect(row).toMatchObject({
        caption: media.caption,
        media_type: media.media_type,
        permalink: media.permalink,
        like_count: media.like_count,
        comments_count: media.comments_count,
        media_url: `${origin}${media.media_path}`,
        timestamp: plus0000(media.timestamp),
      });
      expect(String(row.timestamp)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/);
    }
  });

  it('serves image bytes from media_url without a token', async () => {
    const page = await getJson<MediaPage>(mediaUrl('&limit=3'));
    for (const row of page.data) {
      const response = await fetch(String(row.media_url));
      expect(response.status).toBe(200);
      const image = dataset.instagram.image(String(row.id))!;
      expect(response.headers.get('content-type')).toBe(image.contentType);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(image.bytes));
    }
  });

  it('returns only the id when no fields are asked for, and caps limit at 100', async () => {
    const page = await getJson<MediaPage>(
      `${origin}/v25.0/${accountId}/media?limit=500&access_token=${token}`,
    );
    expect(page.data.length).toBe(Math.min(100, dataset.instagram.media(dataset.asOf).length));
    expect(Object.keys(page.data[0]!)).toEqual(['id']);
  });

  it('filters media by since/until unix seconds', async () => {
    const all = dataset.instagram.media(dataset.asOf);
    const seconds = (m: InstagramMedia) => Date.parse(plus0000(m.timestamp).replace('+0000', 'Z')) / 1000;
    const sorted = all.map(seconds).sort((a, b) => a - b);
    const since = sorted[Math.floor(sorted.length / 3)]!;
    const until = sorted[Math.floor((2 * sorted.length) / 3)]!;
    const { rows } = await pageThrough(mediaUrl(`&limit=10&since=${since}&until=${until}`), origin);
    expect(rows.map((r) => r.id).sort()).toEqual(
      all
        .filter((m) => seconds(m) >= since && seconds(m) < until)
        .map((m) => m.id)
        .sort(),
    );
  });

  it('serves reach and saved insights, and rejects impressions like Graph v22+', async () => {
    for (const media of dataset.instagram.media(dataset.asOf).slice(0, 5)) {
      const insights = dataset.instagram.insights(media.id, dataset.asOf)!;
      const body = await getJson<{ data: { name: string; period: string; values: { value: number }[] }[] }>(
        `${origin}/v25.0/${media.id}/insights?metric=reach,saved&access_token=${token}`,
      );
      expect(body.data.map((d) => [d.name, d.period, d.values[0]!.value])).toEqual([
        ['reach', 'lifetime', insights.reach],
        ['saved', 'lifetime', insights.saved],
      ]);
    }

    const [media] = dataset.instagram.media(dataset.asOf);
    const response = await fetch(
      `${origin}/v25.0/${media!.id}/insights?metric=impressions,reach&access_token=${token}`,
    );
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string; type: string; code: number } };
    expect(error.code).toBe(100);
    expect(error.type).toBe('OAuthException');
    expect(error.message).toMatch(/^\(#100\) metric\[0\] must be one of the following values: .*reach/);
  });

  it('accepts the current metrics views, shares and total_interactions', async () => {
    const [media] = dataset.instagram.media(dataset.asOf);
    const body = await getJson<{ data: { name: string; values: { value: number }[] }[] }>(
      `${origin}/v25.0/${media!.id}/insights?metric=views,shares,total_interactions,follows,profile_visits&access_token=${token}`,
    );
    expect(body.data.map((d) => d.name)).toEqual([
      'views',
      'shares',
      'total_interactions',
      'follows',
      'profile_visits',
    ]);
    for (const d of body.data) expect(d.values[0]!.value).toBeGreaterThanOrEqual(0);
  });

  it('names the version that answered, serving one past its end of life as the oldest still usable', async () => {
    const url = (version: string) =>
      `${origin}/${version}/${accountId}?fields=username&access_token=${token}`;
    emulator.clock = new Date('2026-11-20T12:00:00Z');
    const current = await fetch(url('v25.0'));
    expect(current.headers.get('facebook-api-version')).toBe('v25.0');
    // v20.0 stopped on 2026-09-24: Meta defaults such calls to the next oldest usable version.
    const expired = await fetch(url('v20.0'));
    expect(expired.status).toBe(200);
    expect(expired.headers.get('facebook-api-version')).toBe('v21.0');
    // v21.0 itself stops on 2027-01-21.
    emulator.clock = new Date('2027-01-22T12:00:00Z');
    expect((await fetch(url('v21.0'))).headers.get('facebook-api-version')).toBe('v22.0');
    // A version that does not exist yet is an unknown path.
    emulator.clock = dataset.asOf;
    const future = await fetch(url('v29.0'));
    expect(future.status).toBe(400);
    expect(((await future.json()) as { error: { code: number } }).error.code).toBe(2500);
  });

  it('shows exactly each new day of media as the clock advances one day at a time', async () => {
    const ids = async () =>
      new Set((await pageThrough(mediaUrl('&limit=100'), origin)).rows.map((r) => r.id));
    let clock = dataset.asOf;
    emulator.clock = clock;
    let seen = await ids();
    let added = 0;
    // Posts are not daily, so walk day by day until some have appeared.
    while (added === 0 && clock.getTime() + DAY <= dataset.horizon.getTime()) {
      const next = new Date(clock.getTime() + DAY);
      emulator.clock = next;
      const now = await ids();
      const expected = dataset.instagram
        .media(next)
        .filter((m) => !dataset.instagram.media(clock).some((o) => o.id === m.id))
        .map((m) => m.id);
      expect([...now].filter((id) => !seen.has(id)).sort()).toEqual(expected.sort());
      expect([...seen].every((id) => now.has(id))).toBe(true);
      added = expected.length;
      seen = now;
      clock = next;
    }
    emulator.clock = dataset.asOf;
    expect(added).toBeGreaterThan(0);
  });

  it('rejects a missing or wrong access token with OAuthException 190', async () => {
    for (const query of ['', `?access_token=wrong${token}`]) {
      const response = await fetch(`${origin}/v25.0/${accountId}${query}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({
        message: 'Invalid OAuth access token - Cannot parse access token',
        type: 'OAuthException',
        code: 190,
      });
      expect(body.error.fbtrace_id).toEqual(expect.any(String));
    }
  });

  it('accepts any vNN.N version prefix', async () => {
    const body = await getJson<{ id: string }>(`${origin}/v22.0/${accountId}?access_token=${token}`);
    expect(body).toEqual({ id: accountId });
  });
});
