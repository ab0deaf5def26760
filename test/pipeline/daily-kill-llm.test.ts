import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { manifestFile } from '../../src/lake/manifest.ts';
import type { AnthropicEmulator } from '../../src/sandbox/emulators/anthropic.ts';
import { type RunningEmulators, startEmulators } from '../../src/sandbox/emulators/index.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { Database } from '../../src/sql/database.ts';
import { startDaily } from '../support/daily-process.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const runIdPattern = /^\d{8}T\d{6}Z$/;

/**
 * kill -9 right after `analyse`, with the Anthropic emulator in this process so every paid call is
 * counted (the kill inside publish is in daily-safety.test.ts).
 */
describe('the daily run killed after analyse, over HTTP to the emulators', () => {
  const tempDir = useTempDirs();
  let running: RunningEmulators;
  beforeAll(async () => {
    running = await startEmulators(generateGym({ size: 'tiny' }));
  });
  afterAll(async () => {
    await running?.close();
  });

  async function read<T>(dir: string, work: (db: Database) => Promise<T>): Promise<T> {
    const lake = new Lake({ kind: 'local', dir });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    try {
      return await work(db);
    } finally {
      db.close();
      lake.close();
    }
  }

  const publisher = async (dir: string) =>
    (
      JSON.parse(await readFile(path.join(dir, manifestFile), 'utf8').catch(() => '{}')) as {
        published_by?: string;
      }
    ).published_by;

  it('never pays for an answer twice: the answers of a run killed after analyse are published on their own', async () => {
    const anthropic = running.emulators.anthropic as AnthropicEmulator;
    const cwd = await tempDir();
    const dir = path.join(cwd, 'lake');
    const daily = () => startDaily([], { cwd, env: { ...running.env, BASIN_LAKE_URL: dir } });
    const paidTwice = () => {
      const seen = anthropic.calls.map((c) => `${c.kind}:${c.subjectId}`);
      return seen.filter((key, i) => seen.indexOf(key) !== i);
    };

    // Killed as soon as analyse is done: its answers were published one by one, its tables were not.
    const afterAnalyse = daily();
    await afterAnalyse.stepStarted('events');
    afterAnalyse.child.kill('SIGKILL');
    expect((await afterAnalyse.done).signal).toBe('SIGKILL');
    const paid = anthropic.calls.length;
    expect(paid).toBeGreaterThan(0);
    expect(await publisher(dir)).not.toMatch(runIdPattern);
    const cached = await read(dir, async (db) => {
      const views = await db.viewNames();
      expect(views.has('campaign_offers')).toBe(false);
      const [row] = await db.query(
        `select (select count(distinct content_hash) from email_templates where analyzed_by = 'llm')::int as templates,
                (select count(distinct image_sha256) from image_analyses)::int as images`,
      );
      return row!;
    });
    expect(Number(cached.templates) + Number(cached.images)).toBe(paid);

    // The next run reads every answer from the cache: through analyse, it pays for nothing again
    // (stopped there too; what comes after analyse is the same as in any run). The log says the
    // killed run published none of its tables.
    const next = daily();
    await next.stepStarted('events');
    next.child.kill('SIGKILL');
    expect((await next.done).signal).toBe('SIGKILL');
    expect(anthropic.calls.length).toBe(paid);
    expect(paidTwice()).toEqual([]);
    const runs = await read(dir, (db) =>
      db.query('select status, error from daily_runs order by started_at'),
    );
    expect(runs).toEqual([
      { status: 'failed', error: expect.stringMatching(/^interrupted: .*none of its tables/) },
      { status: 'running', error: null },
    ]);
  }, 180_000);
});
