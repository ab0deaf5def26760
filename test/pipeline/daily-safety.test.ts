import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { manifestFile } from '../../src/lake/manifest.ts';
import { lockFileName } from '../../src/pipeline/lock.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { Database } from '../../src/sql/database.ts';
import { freePortRange, startDaily, tinySandboxArgs } from '../support/daily-process.ts';
import { describeTableChanges, fingerprint, publishedManifest } from '../support/fingerprint.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const timeZone = 'America/Chicago';
const gymAsOf = generateGym({ size: 'tiny' }).asOf;

const everythingButTheRunLog = (key: string) => key !== 'state/daily_runs';
/** The LLM cache is published answer by answer, outside the run's set: a killed run keeps what it paid for. */
const llmCache = ['state/email_templates', 'state/image_analyses'];
const theRunSet = (key: string) => everythingButTheRunLog(key) && !llmCache.includes(key);
const coreAndStaging = (key: string) => key.startsWith('core/') || key.startsWith('staging/');
const day = (date: Date) => date.toISOString().slice(0, 10);
const manifestPublisher = async (lake: string) =>
  (
    JSON.parse(await readFile(path.join(lake, manifestFile), 'utf8')) as {
      published_by: string | null;
    }
  ).published_by;

const DAILY_STEPS = [
  'sync',
  'fetch',
  'stage',
  'resolve',
  'analyse',
  'events',
  'offers',
  'churn',
  'rules',
  'audiences',
  'quality',
  'publish',
  'reports',
];

describe('the daily run on the tiny sandbox gym: crash-safe and idempotent', () => {
  const tempDir = useTempDirs();

  async function setUp() {
    const cwd = await tempDir();
    const lake = path.join(cwd, 'lake');
    const port = await freePortRange();
    const daily = (...args: string[]) => startDaily([...tinySandboxArgs(port, lake), ...args], { cwd });
    return { cwd, lake, location: { kind: 'local', dir: lake } as const, daily };
  }

  it('changes no core or staging table on a second run the same day', async () => {
    const { location, daily } = await setUp();
    const first = await daily().done;
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/publish .*published; snapshot \d{4}-\d{2}-01 \(\d+ tables\)/);
    expect(first.stdout).toMatch(
      /analyse\s.*templates of \d+ campaigns: 0 cached, [1-9]\d* LLM calls.*LLM cost \$0\.\d+/,
    );
    expect(first.stdout).toMatch(
      /images of \d+ posts: 0 cached, [1-9]\d* LLM calls; run LLM cost \$\d+\.\d{4}/,
    );
    const before = await fingerprint(location, everythingButTheRunLog);

    const second = await daily().done;
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/fetch\s+[\d.]+\s+0\s+0\s+0 new or changed records/);
    expect(second.stdout).not.toContain('snapshot');
    const after = await fingerprint(location, everythingButTheRunLog);
    const changed = Object.keys(after).filter((key) => after[key] !== before[key]);
    // Only the logs of the run itself and what the fetch records of its own calls change.
    expect(changed.sort()).toEqual(['state/fetch_state', 'state/quality_results']);
    expect(Object.keys(after).filter(coreAndStaging).length).toBeGreaterThan(30);

    const lake = new Lake(location);
    const db = await Database.open(lake, { timeZone });
    const runs = await db.query(
      `select status, error, json_array_length(steps)::int as steps from daily_runs order by started_at`,
    );
    expect(runs).toEqual([
      { status: 'ok', error: null, steps: DAILY_STEPS.length },
      { status: 'ok', error: null, steps: DAILY_STEPS.length },
    ]);
    const names = await db.query(
      `select s->>'name' as name
       from (select unnest(from_json(steps, '["json"]')) as s
             from (select steps from daily_runs order by started_at limit 1))`,
    );
    expect(names.map((n) => n.name)).toEqual(DAILY_STEPS);
    const [step] = await db.query(
      `select s->>'name' as name, (s->>'records')::int as records, (s->>'rejected')::int as rejected
       from (select unnest(from_json(steps, '["json"]')) as s
             from (select steps from daily_runs order by started_at limit 1))
       where s->>'name' = 'events'`,
    );
    expect(step).toMatchObject({ name: 'events', rejected: 0 });
    expect(step!.records).toBeGreaterThan(1000);
    db.close();
    lake.close();
  }, 180_000);

  it('leaves the lake readable as the last complete run left it when killed inside any step; the next run completes', async () => {
    const { lake, location, daily } = await setUp();
    // A first complete run ten days before the gym's clock, so every later run has new data to write.
    const earlier = new Date(gymAsOf.getTime() - 10 * 86_400_000);
    const baseline = await daily('--as-of', day(earlier)).done;
    expect(baseline.code, baseline.stdout + baseline.stderr).toBe(0);
    const before = await fingerprint(location, theRunSet);

    // Every step before publish: the reports come after it, from the set it published.
    const beforePublish = DAILY_STEPS.slice(DAILY_STEPS.indexOf('fetch'), DAILY_STEPS.indexOf('publish'));
    for (const step of beforePublish) {
      const run = daily();
      await run.stepStarted(step);
      await new Promise((resolve) => setTimeout(resolve, 50));
      run.child.kill('SIGKILL');
      const killed = await run.done;
      expect(killed.signal, `${step}: the run ended before it was killed:\n${killed.stdout}`).toBe('SIGKILL');
      expect(await fingerprint(location, theRunSet), `killed in ${step}`).toEqual(before);
      // The dead run's lock is still there; the next run will find it stale.
      await access(path.join(lake, lockFileName));
    }

    // Killed inside publish, once the manifest names the run (its snapshot and reports not done): the
    // lake holds the run's whole set, and the run log published with it says so.
    const publishing = daily();
    await publishing.stepStarted('publish');
    let publishedBy = await manifestPublisher(lake);
    while (!/^\d{8}T\d{6}Z$/.test(publishedBy ?? '')) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      publishedBy = await manifestPublisher(lake);
    }
    publishing.child.kill('SIGKILL');
    const publishKilled = await publishing.done;
    expect(publishKilled.signal, `the run ended before it was killed:\n${publishKilled.stdout}`).toBe(
      'SIGKILL',
    );
    const afterPublishKill = await fingerprint(location, everythingButTheRunLog);
    // Kept to show the rows of a difference: the next run's commit keeps this set's files.
    const publishedAtKill = await publishedManifest(lake);
    const loggedAtKill = new Lake(location);
    const logDb = await Database.open(loggedAtKill, { timeZone });
    expect(
      await logDb.query('select run_id, status from daily_runs order by started_at desc limit 1'),
    ).toEqual([{ run_id: publishedBy, status: 'published' }]);
    logDb.close();
    loggedAtKill.close();

    const next = await daily().done;
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toMatch(/took over the stale lock of run \w+ \(pid \d+\): that run did not finish/);
    const after = await fingerprint(location, everythingButTheRunLog);
    const coreChanged = Object.keys(after)
      .filter(coreAndStaging)
      .filter((k) => after[k] !== before[k]);
    expect(coreChanged).toContain('core/customer_events');
    // The set the killed run published is the one a complete run leaves.
    const differing = Object.keys(after)
      .filter(coreAndStaging)
      .filter((k) => afterPublishKill[k] !== after[k]);
    expect(
      differing,
      differing.length > 0
        ? `${await describeTableChanges(location, publishedAtKill, differing)}\n${next.stdout}\n${publishKilled.stdout}`
        : undefined,
    ).toEqual([]);

    const reader = new Lake(location);
    const db = await Database.open(reader, { timeZone });
    const runs = await db.query('select status, error from daily_runs order by started_at');
    expect(runs).toHaveLength(beforePublish.length + 3);
    expect(runs[0]).toEqual({ status: 'ok', error: null });
    for (const killed of runs.slice(1, beforePublish.length + 1))
      expect(killed).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/^interrupted: .*none of its tables were published/),
      });
    expect(runs.at(-2)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^interrupted after publishing: its tables are published/),
    });
    expect(runs.at(-1)).toEqual({ status: 'ok', error: null });
    db.close();
    reader.close();
  }, 600_000);
});
