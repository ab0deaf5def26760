import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { runFetch } from '../../src/fetch/run-fetch.ts';
import { Lake } from '../../src/lake/lake.ts';
import { claudeClient } from '../../src/offers/claude.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { stage } from '../../src/pipeline/stage.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import { type AnthropicEmulator, createAnthropicEmulator } from '../../src/sandbox/emulators/anthropic.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { createInstagramEmulator } from '../../src/sandbox/emulators/instagram.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import instagram from '../../src/sources/instagram/index.ts';
import { Database } from '../../src/sql/database.ts';
import { analyseImages } from '../../src/vision/analyse-images.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const gym = generateGym({ size: 'tiny' });

/** Builds the posts table the way the daily run does, from staging and the image analyses. */
async function buildInstagramPosts(db: Database): Promise<void> {
  const runner = await openRunner(db);
  await runner.build(runner.graph.select((m) => m.name === 'instagram_posts'));
}

describe('Instagram images read once by Claude, cached by the hash of their bytes', () => {
  const tempDir = useTempDirs();
  let graph: HttpEmulator;
  let anthropic: AnthropicEmulator;
  beforeAll(async () => {
    graph = createInstagramEmulator(gym);
    anthropic = createAnthropicEmulator(gym);
    await graph.listen();
    await anthropic.listen();
  });
  afterAll(async () => {
    await graph.close();
    await anthropic.close();
  });

  async function fetchedLake(): Promise<Database> {
    const dir = await tempDir();
    const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone: gym.timeZone });
    const config = loadConfig({
      env: {
        INSTAGRAM_ACCESS_TOKEN: sandboxCredentials.instagramAccessToken,
        INSTAGRAM_ACCOUNT_ID: gym.instagram.account(gym.asOf).id,
        META_GRAPH_URL: graph.url,
        BASIN_TIMEZONE: gym.timeZone,
      },
      cwd: dir,
    });
    await runFetch(db, config, [instagram], { runId: 'r1', now: graph.clock, log: () => {} });
    await stage(db, { time_zone: gym.timeZone }, { onlySource: 'instagram' });
    return db;
  }

  const claude = () =>
    claudeClient({
      apiKey: sandboxCredentials.anthropicApiKey,
      baseUrl: anthropic.url,
      model: 'claude-haiku-4-5',
    });

  it('describes each image once as the sandbox truth, computes engagement, and makes no call the second time', async () => {
    const db = await fetchedLake();
    try {
      anthropic.calls.length = 0;
      const first = await analyseImages(db, { claude: claude() });
      expect(first.images).toBeGreaterThan(5);
      expect(first).toMatchObject({ llmCalls: first.images, unknown: 0, notAnalysed: 0 });
      expect(anthropic.calls.every((c) => c.kind === 'image')).toBe(true);
      expect(first.costUsd).toBeGreaterThan(0);

      await buildInstagramPosts(db);
      const rows = await db.query('select * from instagram_posts');
      const truth = new Map(gym.truth.images.map((t) => [t.media_id, t]));
      for (const row of rows) {
        const t = truth.get(String(row.post_id))!;
        expect(row).toMatchObject({
          analysis_status: 'llm',
          ai_description: t.description,
          ai_activity_type: t.activity_type,
        });
        expect(row.ai_themes).toEqual(t.themes);
        if (row.reach !== null) {
          const expected =
            ((Number(row.likes) + Number(row.comments) + Number(row.saved ?? 0)) * 100) / Number(row.reach);
          expect(Number(row.engagement_rate)).toBeCloseTo(expected, 2);
        }
      }

      anthropic.calls.length = 0;
      const second = await analyseImages(db, { claude: claude() });
      expect(second).toMatchObject({ llmCalls: 0, cacheHits: first.images });
      expect(anthropic.calls).toHaveLength(0);
    } finally {
      db.close();
    }
  });

  it('leaves a post unknown when the answer is invalid, and asks again next run', async () => {
    const db = await fetchedLake();
    try {
      anthropic.answerNext('invalid');
      const first = await analyseImages(db, { claude: claude() });
      expect(first.unknown).toBe(1);
      const [row] = await db.query(
        `select count(*) filter (where analysis_status = 'unknown')::integer as unknown,
                count(*) filter (where analysis_status = 'unknown' and description is null)::integer as blank
         from post_image_analyses`,
      );
      expect(row).toMatchObject({ unknown: 1, blank: 1 });
      anthropic.calls.length = 0;
      const second = await analyseImages(db, { claude: claude() });
      expect(second).toMatchObject({ llmCalls: 1, unknown: 0 });
    } finally {
      db.close();
    }
  });

  it('marks posts not analysed without a key, and never guesses', async () => {
    const db = await fetchedLake();
    try {
      anthropic.calls.length = 0;
      const result = await analyseImages(db);
      expect(result).toMatchObject({ llmCalls: 0, notAnalysed: result.posts });
      expect(anthropic.calls).toHaveLength(0);
      await buildInstagramPosts(db);
      const [row] = await db.query(
        `select count(*) filter (where analysis_status = 'not_analysed')::integer as not_analysed,
                count(ai_description)::integer as described, count(*)::integer as posts
         from instagram_posts`,
      );
      expect(row).toMatchObject({ not_analysed: row!.posts, described: 0 });
    } finally {
      db.close();
    }
  });
});
