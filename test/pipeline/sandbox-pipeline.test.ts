import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { runFetch } from '../../src/fetch/run-fetch.ts';
import { Lake } from '../../src/lake/lake.ts';
import { stage } from '../../src/pipeline/stage.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { type RunningEmulators, startEmulators } from '../../src/sandbox/emulators/index.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { loadSources } from '../../src/sources/registry.ts';
import { Database } from '../../src/sql/database.ts';

/** Every staging table's content, as one hash per table, to prove a run changed nothing. */
async function stagingFingerprint(db: Database): Promise<Record<string, string>> {
  const tables = (await db.lake.listTables()).filter((t) => t.key.startsWith('staging/'));
  const result: Record<string, string> = {};
  for (const table of tables) {
    const name = table.key.split('/')[1]!;
    const rows = await db.query(`select * from "${name}" order by all`);
    result[name] = createHash('sha256')
      .update(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
      .digest('hex');
  }
  return result;
}

describe('the sandbox pipeline: every source fetched through the emulators, then staged', () => {
  let dir: string;
  let gym: SandboxDataset;
  let running: RunningEmulators;
  let db: Database;
  let config: ReturnType<typeof loadConfig>;
  const sources = loadSources();

  beforeAll(async () => {
    gym = generateGym({ size: 'tiny' });
    running = await startEmulators(gym);
    dir = await mkdtemp(path.join(os.tmpdir(), 'basin-pipeline-'));
    config = loadConfig({ env: { ...running.env, BASIN_LAKE_URL: dir }, cwd: dir });
    db = await Database.open(new Lake(config.lake), { timeZone: config.timeZone });
  });
  afterAll(async () => {
    db?.close();
    await running?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const fetchAll = async (runId: string) =>
    runFetch(db, config, await sources, { runId, now: running.emulators.stripe.clock, log: () => {} });

  it('backfills every source, stages it, and emits an identity record for every person-bearing record', async () => {
    const results = await fetchAll('run-1');
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    const staged = await stage(db, { time_zone: config.timeZone });
    expect(staged.unparsedDates).toEqual([]);

    const identity = await db.query('select record_id, email, phone from stg_identity_records');
    const ids = new Set(identity.map((r) => String(r.record_id)));
    const clock = running.emulators.stripe.clock;
    const visible = new Set([
      ...gym.capitan.customers(clock).map((c) => `capitan:customer:${c.id}`),
      ...gym.stripe.customers(clock).map((c) => `stripe:customer:${c.id}`),
      ...gym.stripe.charges(clock).map((c) => `stripe:charge:${c.id}`),
      ...gym.square.customers(clock).map((c) => `square:customer:${c.id}`),
      ...gym.mailchimp
        .lists(clock)
        .flatMap((l) => gym.mailchimp.members(l.id, clock))
        .map((m) => `mailchimp:member:${m.id}`),
    ]);
    const truth = new Set(gym.truth.records.map((r) => r.record_id).filter((id) => visible.has(id)));
    expect(truth.size).toBe(visible.size);
    expect([...truth].filter((id) => !ids.has(id))).toEqual([]);
    expect([...ids].filter((id) => !truth.has(id))).toEqual([]);

    const minors = gym.truth.people.filter((p) => p.is_minor).map((p) => p.person_id);
    const recordsOfMinors = gym.truth.records.filter(
      (r) => minors.includes(r.person_id) && r.source === 'capitan',
    );
    const withoutContact = identity.filter(
      (r) => recordsOfMinors.some((m) => m.record_id === r.record_id) && r.email === null && r.phone === null,
    );
    expect(withoutContact.length).toBeGreaterThan(0);
  });

  it('changes no table on a second run with nothing new', async () => {
    const before = await stagingFingerprint(db);
    const parts = (await db.lake.listTables()).map((t) => [t.key, t.parts]);
    const results = await fetchAll('run-2');
    expect(results.filter((r) => r.written > 0).map((r) => `${r.source}/${r.stream}`)).toEqual([]);
    await stage(db, { time_zone: config.timeZone });
    expect(await stagingFingerprint(db)).toEqual(before);
    expect(
      (await db.lake.listTables()).filter((t) => t.key.startsWith('raw/')).map((t) => [t.key, t.parts]),
    ).toEqual(parts.filter(([key]) => String(key).startsWith('raw/')));
  });
});
