import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stage } from '../../src/pipeline/stage.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { InstagramMedia, SandboxDataset } from '../../src/sandbox/dataset.ts';
import {
  createInstagramEmulator,
  graphThrottle,
  insightsUnavailable,
} from '../../src/sandbox/emulators/instagram.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import instagram from '../../src/sources/instagram/index.ts';
import type { Database } from '../../src/sql/database.ts';
import { byStream, openSourceHarness, useOpenedPerTest } from '../support/source-harness.ts';

const DAY = 86_400_000;
const gym = generateGym({ size: 'tiny' });
const accountId = gym.instagram.account(gym.asOf).id;
const streams = ['account', 'media', 'insights', 'images'];

const postedAt = (media: InstagramMedia) => Date.parse(media.timestamp.replace(/\+0000$/, 'Z'));
const ageDays = (media: InstagramMedia, clock: Date) => (clock.getTime() - postedAt(media)) / DAY;
const localDate = (instant: Date | number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: gym.timeZone }).format(instant);

describe('instagram source', () => {
  const setup = useOpenedPerTest(
    async (dir: string, options: { clock?: Date; dataset?: SandboxDataset; version?: string } = {}) => {
      const emulator = createInstagramEmulator(options.dataset ?? gym, { clock: options.clock ?? gym.asOf });
      await emulator.listen();
      const harness = await openSourceHarness({
        dir,
        emulator,
        source: instagram,
        env: {
          INSTAGRAM_ACCESS_TOKEN: sandboxCredentials.instagramAccessToken,
          INSTAGRAM_ACCOUNT_ID: accountId,
          META_GRAPH_URL: emulator.url,
          ...(options.version ? { META_GRAPH_VERSION: options.version } : {}),
        },
        timeZone: gym.timeZone,
      });
      return { ...harness, run: async (runId: string) => byStream(await harness.run(runId)) };
    },
  );

  async function rawCounts(db: Database): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const stream of streams) {
      const [row] = await db.query(
        `select count(distinct record_id)::int as n from raw_instagram__${stream}`,
      );
      counts[stream] = Number(row?.n);
    }
    return counts;
  }

  const stageInstagram = (db: Database) =>
    stage(db, { time_zone: gym.timeZone }, { onlySource: 'instagram' });

  async function postsById(db: Database) {
    const rows = await db.query('select * from stg_instagram__posts');
    return new Map(rows.map((row) => [String(row.post_id), row]));
  }

  it('backfills the account, every post, recent insights and every image, and stages them', async () => {
    const { db, run, logs } = await setup();
    const results = await run('run-1');
    const media = gym.instagram.media(gym.asOf);
    const recent = media.filter((m) => ageDays(m, gym.asOf) <= 30);

    for (const stream of streams) expect(results[stream]).toMatchObject({ status: 'ok', rejected: 0 });
    expect(await rawCounts(db)).toEqual({
      account: 1,
      media: media.length,
      insights: recent.length,
      images: media.length,
    });
    expect(recent.length).toBeGreaterThan(7);
    expect(logs.filter((line) => line.includes('retry'))).toEqual([]);
    const [account] = await db.query('select record_id from raw_instagram__account');
    expect(account?.record_id).toBe(`${accountId}:${localDate(gym.asOf)}`);

    const { unparsedDates } = await stageInstagram(db);
    expect(unparsedDates).toEqual([]);
    const posts = await postsById(db);
    expect(posts.size).toBe(media.length);
    let crossesMidnight = 0;
    for (const m of media) {
      const row = posts.get(m.id)!;
      const insights = ageDays(m, gym.asOf) <= 30 ? gym.instagram.insights(m.id, gym.asOf)! : undefined;
      expect(row).toMatchObject({
        posted_at: new Date(postedAt(m)),
        posted_at_raw: m.timestamp,
        media_type: m.media_type,
        caption: m.caption,
        permalink: m.permalink,
        likes: BigInt(m.like_count),
        comments: BigInt(m.comments_count),
        reach: insights ? BigInt(insights.reach) : null,
        saved: insights ? BigInt(insights.saved) : null,
        engagement_rate: insights
          ? Math.round(((m.like_count + m.comments_count + insights.saved) / insights.reach) * 100 * 100) /
            100
          : null,
      });
      expect(String(row.media_url)).toMatch(new RegExp(`${m.media_path.replaceAll('.', '\\.')}$`));
      // A post late in the gym's evening is on the next day in UTC; the local date is the gym's.
      expect((row.posted_local_date as Date).toISOString().slice(0, 10)).toBe(localDate(postedAt(m)));
      if (localDate(postedAt(m)) !== m.timestamp.slice(0, 10)) crossesMidnight++;
    }
    expect(crossesMidnight).toBeGreaterThan(0);

    const [daily] = await db.query('select * from stg_instagram__account_daily');
    const truth = gym.instagram.account(gym.asOf);
    expect(daily).toMatchObject({
      account_id: accountId,
      username: truth.username,
      followers_count: BigInt(truth.followers_count),
      media_count: BigInt(truth.media_count),
      snapshot_date_raw: localDate(gym.asOf),
    });

    // The stored bytes are the emulator's image, byte for byte.
    const images = await db.query(
      'select media_id, content_type, sha256, byte_length from stg_instagram__images',
    );
    expect(images).toHaveLength(media.length);
    for (const image of images) {
      const truthImage = gym.instagram.image(String(image.media_id))!;
      expect(image).toMatchObject({
        content_type: truthImage.contentType,
        sha256: createHash('sha256').update(truthImage.bytes).digest('hex'),
        byte_length: BigInt(truthImage.bytes.length),
      });
    }
  });

  it('writes nothing on a second run at the same clock, and staging is unchanged', async () => {
    const { db, run } = await setup();
    await run('run-1');
    await stageInstagram(db);
    const before = await db.query('select * from stg_instagram__posts order by post_id');
    const again = await run('run-2');
    expect(streams.map((s) => [s, again[s]?.status, again[s]?.written])).toEqual(
      streams.map((s) => [s, 'ok', 0]),
    );
    // Images already stored are not downloaded again.
    expect(again.images?.fetched).toBe(0);
    await stageInstagram(db);
    expect(await db.query('select * from stg_instagram__posts order by post_id')).toEqual(before);
  });

  it("adds the next day's posts and refreshes only the insights due, keeping the others' last values", async () => {
    const saturday = new Date('2026-11-21T12:00:00Z');
    const sunday = new Date(saturday.getTime() + DAY);
    const monday = new Date(sunday.getTime() + DAY);
    const { db, emulator, run } = await setup({ clock: saturday });
    await run('run-1');

    emulator.clock = sunday;
    const results = await run('run-2');
    const before = gym.instagram.media(saturday);
    const after = gym.instagram.media(sunday);
    const inWindow = after.filter((m) => postedAt(m) >= sunday.getTime() - 30 * DAY);
    const newPosts = after.filter((m) => !before.some((b) => b.id === m.id));
    const changedPosts = inWindow.filter(
      (m) => JSON.stringify(m) !== JSON.stringify(before.find((b) => b.id === m.id)),
    );
    expect(newPosts.length).toBeGreaterThan(0);
    expect(results.account).toMatchObject({ written: 1 });
    expect(results.media).toMatchObject({ fetched: inWindow.length, written: changedPosts.length });
    expect(results.images).toMatchObject({ written: newPosts.length });
    // Sunday: only posts up to a week old are refreshed (each gets a new day's record).
    const weekOld = inWindow.filter((m) => ageDays(m, sunday) <= 7);
    expect(results.insights).toMatchObject({ fetched: weekOld.length, written: weekOld.length });

    await stageInstagram(db);
    let posts = await postsById(db);
    const notRefreshed = inWindow.filter((m) => ageDays(m, sunday) > 7);
    const moved = notRefreshed.filter(
      (m) => gym.instagram.insights(m.id, sunday)!.reach !== gym.instagram.insights(m.id, saturday)!.reach,
    );
    expect(moved.length).toBeGreaterThan(0);
    for (const m of notRefreshed) {
      expect(posts.get(m.id)?.reach).toBe(BigInt(gym.instagram.insights(m.id, saturday)!.reach));
    }
    for (const m of weekOld)
      expect(posts.get(m.id)?.reach).toBe(BigInt(gym.instagram.insights(m.id, sunday)!.reach));
    const [history] = await db.query('select count(*)::int as days from stg_instagram__account_daily');
    expect(history?.days).toBe(2);

    // Monday: every post up to 30 days old is refreshed.
    emulator.clock = monday;
    const mondayResults = await run('run-3');
    const month = gym.instagram.media(monday).filter((m) => ageDays(m, monday) <= 30);
    expect(mondayResults.insights).toMatchObject({ fetched: month.length });
    await stageInstagram(db);
    posts = await postsById(db);
    for (const m of month)
      expect(posts.get(m.id)?.reach).toBe(BigInt(gym.instagram.insights(m.id, monday)!.reach));
  });

  it('recovers from a 429, a 500, a dropped connection and a malformed page', async () => {
    const { db, emulator, run } = await setup();
    emulator.faults.add(
      { kind: 'status', status: 429, retryAfter: 1, path: `/v25.0/${accountId}/media` },
      { kind: 'status', status: 500, path: '/insights' },
      { kind: 'drop', path: '/media/' },
      { kind: 'malformed', path: `/v25.0/${accountId}/media` },
    );
    const results = await run('run-1');
    expect(streams.map((s) => results[s]?.status)).toEqual(streams.map(() => 'ok'));
    expect(emulator.faults.fired.map((f) => f.kind).sort()).toEqual([
      'drop',
      'malformed',
      'status',
      'status',
    ]);
    const media = gym.instagram.media(gym.asOf);
    expect(await rawCounts(db)).toEqual({
      account: 1,
      media: media.length,
      insights: media.filter((m) => ageDays(m, gym.asOf) <= 30).length,
      images: media.length,
    });
  });

  it('reports a media listing that came back truncated, and completes the other streams', async () => {
    const { emulator, run } = await setup();
    emulator.faults.add({ kind: 'truncate', path: `/v25.0/${accountId}/media` });
    const results = await run('run-1');
    const total = gym.instagram.media(gym.asOf).length;
    expect(results.media).toMatchObject({
      status: 'failed',
      error: `media: the account reports ${total} posts but ${total - 50} arrived`,
    });
    for (const stream of ['account', 'insights', 'images']) expect(results[stream]?.status).toBe('ok');
  });

  it('rejects a post whose like count is not a number, with the reason, and keeps the rest', async () => {
    const broken = gym.instagram.media(gym.asOf)[5]!;
    const dataset: SandboxDataset = {
      ...gym,
      instagram: {
        ...gym.instagram,
        media: (clock) =>
          gym.instagram
            .media(clock)
            .map((m) => (m.id === broken.id ? { ...m, like_count: 'many' as unknown as number } : m)),
      },
    };
    const { db, run } = await setup({ dataset });
    const results = await run('run-1');
    const total = gym.instagram.media(gym.asOf).length;
    expect(results.media).toMatchObject({ status: 'ok', written: total - 1, rejected: 1 });
    expect(await db.query('select stream, record_id, reason from rejected_records')).toEqual([
      {
        stream: 'media',
        record_id: broken.id,
        reason: 'like_count: Invalid input: expected number, received string',
      },
    ]);
  });

  it('waits out Graph’s throttling, answered as 400/403 with codes 4, 17, 32 and 613, and loses nothing', async () => {
    const { db, emulator, run, logs } = await setup();
    emulator.faults.add(
      { kind: 'respond', ...graphThrottle(4), path: `/v25.0/${accountId}/media` },
      { kind: 'respond', ...graphThrottle(17, 403), path: `/v25.0/${accountId}/media` },
      { kind: 'respond', ...graphThrottle(32), path: '/insights' },
      { kind: 'respond', ...graphThrottle(613, 403), path: '/insights' },
    );
    const results = await run('run-1');
    expect(streams.map((s) => results[s]?.status)).toEqual(streams.map(() => 'ok'));
    expect(emulator.faults.fired).toHaveLength(4);
    for (const code of [4, 17, 32, 613])
      expect(logs).toContainEqual(
        expect.stringMatching(new RegExp(`retry \\d in \\d+ ms after: .*\\(#${code}\\)`)),
      );
    const media = gym.instagram.media(gym.asOf);
    expect(await rawCounts(db)).toEqual({
      account: 1,
      media: media.length,
      insights: media.filter((m) => ageDays(m, gym.asOf) <= 30).length,
      images: media.length,
    });
  });

  it('keeps a post whose insights Graph refuses as nulls with the reason, and the stream succeeds', async () => {
    const { db, emulator, run } = await setup();
    const recent = gym.instagram.media(gym.asOf).filter((m) => ageDays(m, gym.asOf) <= 30);
    const [fewViewers, beforeConversion] = recent;
    emulator.faults.add(
      { kind: 'respond', ...insightsUnavailable('too-few-viewers'), path: `/${fewViewers!.id}/insights` },
      {
        kind: 'respond',
        ...insightsUnavailable('before-business-conversion'),
        path: `/${beforeConversion!.id}/insights`,
      },
    );
    const results = await run('run-1');
    expect(results.insights).toMatchObject({ status: 'ok', fetched: recent.length, rejected: 0 });
    await stageInstagram(db);
    const posts = await postsById(db);
    expect(posts.get(fewViewers!.id)).toMatchObject({
      reach: null,
      saved: null,
      insights_unavailable: 'code 10: (#10) Not enough viewers for the media to show insights',
    });
    expect(posts.get(beforeConversion!.id)).toMatchObject({
      reach: null,
      insights_unavailable: 'code 100/2108006: Invalid parameter',
    });
    for (const m of recent.slice(2))
      expect(posts.get(m.id)).toMatchObject({
        reach: BigInt(gym.instagram.insights(m.id, gym.asOf)!.reach),
        insights_unavailable: null,
      });
  });

  it('warns when META_GRAPH_VERSION is past its end of life and Graph answers as a later one', async () => {
    // v20.0 stopped on 2026-09-24; Graph serves such calls as the oldest version still usable.
    const { run, logs } = await setup({ version: 'v20.0' });
    const results = await run('run-1');
    expect(streams.map((s) => results[s]?.status)).toEqual(streams.map(() => 'ok'));
    const warning =
      'Graph answered as v21.0, not META_GRAPH_VERSION v20.0, which is past its end of life: set META_GRAPH_VERSION to a supported version';
    expect(results.account?.warnings).toEqual([warning]);
    expect(logs).toContainEqual(`instagram/account: warning: ${warning}`);
  });

  it('names META_GRAPH_VERSION when Graph does not know the version asked for', async () => {
    const { run } = await setup({ version: 'v29.0' });
    const results = await run('run-1');
    expect(results.account?.status).toBe('failed');
    expect(results.account?.error).toMatch(
      /^META_GRAPH_VERSION v29\.0 is not a version Graph serves: Graph answered 400, error 2500: Unknown path components/,
    );
  });

  it('fails a daily window whose listing lost posts it had listed before, unless Graph deleted them', async () => {
    const { emulator, run } = await setup({ clock: new Date(gym.asOf.getTime() - 2 * DAY) });
    expect((await run('run-1')).media?.status).toBe('ok');
    emulator.clock = gym.asOf;
    emulator.faults.add({ kind: 'truncate', path: `/v25.0/${accountId}/media` });
    const results = await run('run-2');
    expect(results.media?.status).toBe('failed');
    // The window's first page lost its older half: posts the lake held, each looked up and still there.
    const listed = gym.instagram.media(gym.asOf).filter((m) => ageDays(m, gym.asOf) <= 30).length;
    const lost = listed - Math.ceil(listed / 2);
    expect(results.media?.error).toMatch(
      new RegExp(`^media: ${lost} stored post\\(s\\) of the window were not listed again \\(`),
    );
    // Nothing was marked done: the next run fetches the window again and completes.
    expect((await run('run-3')).media).toMatchObject({ status: 'ok' });
  });
});
