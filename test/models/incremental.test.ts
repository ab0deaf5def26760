import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { runFetch } from '../../src/fetch/run-fetch.ts';
import { Lake } from '../../src/lake/lake.ts';
import { parseModel } from '../../src/models/discover.ts';
import { ModelGraph } from '../../src/models/graph.ts';
import type { SqlModel } from '../../src/models/model.ts';
import { ModelRunner } from '../../src/models/runner.ts';
import { sourceLayerOf } from '../../src/models/sources.ts';
import { compareLakes } from '../../src/pipeline/equivalence.ts';
import { loadModelGraph } from '../../src/pipeline/model-graph.ts';
import { stage } from '../../src/pipeline/stage.ts';
import { type RunningEmulators, startEmulators } from '../../src/sandbox/emulators/index.ts';
import { DEFAULT_TIME_ZONE, generateGym } from '../../src/sandbox/generate.ts';
import { loadSources } from '../../src/sources/registry.ts';
import { Database, sqlString } from '../../src/sql/database.ts';
import { BUILD_WAIT_MS, copyDemoLake } from '../support/demo-lake.ts';
import { appendRawPart, partsOf } from '../support/staging-parts.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const DAY_MS = 86_400_000;
const timeZone = DEFAULT_TIME_ZONE;

/** Rows of each staging table that the other lake's table lacks, both ways: empty when equal. */
async function stagingDifferences(a: Database, b: Database): Promise<Record<string, number>> {
  const tables = (await a.lake.listTables()).map((t) => t.key).filter((key) => key.startsWith('staging/'));
  expect(tables.length).toBeGreaterThan(25);
  const compared = await compareLakes(a, b.lake, { tables });
  return Object.fromEntries([
    ...compared.missing.map((key) => [key, -1]),
    ...compared.tables
      .filter((t) => t.onlyIncremental + t.onlyFull > 0)
      .map((t) => [t.table, t.onlyIncremental + t.onlyFull]),
  ]);
}

/** An incremental staging model's build: over a raw stream (raw parts parsed) or by a unique_key (keys). */
function isIncremental(built: { rawParts?: number; keys?: number }): boolean {
  return built.rawParts !== undefined || built.keys !== undefined;
}

/** A lake holding only `from`'s raw streams, staged from scratch: the full rebuild to compare with. */
async function fullRebuild(from: Lake, dir: string): Promise<Database> {
  await cp(path.join(from.root, 'raw'), path.join(dir, 'raw'), { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(from.root, '_lake.json'), 'utf8')) as {
    tables: Record<string, unknown>;
  };
  for (const key of Object.keys(manifest.tables)) if (!key.startsWith('raw/')) delete manifest.tables[key];
  await writeFile(path.join(dir, '_lake.json'), JSON.stringify(manifest));
  const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone });
  const staged = await stage(db, { time_zone: timeZone });
  expect(staged.models.filter(isIncremental).every((m) => m.mode === 'full')).toBe(true);
  return db;
}

/** A lake whose raw stream `raw/test/things` gets parts by `fetch`, staged by `build` with `model`. */
async function thingsLake(dir: string, model: SqlModel) {
  const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone });
  const runner = new ModelRunner(db, new ModelGraph([model]), {
    vars: {},
    asOf: new Date(),
    now: new Date(),
  });
  let part = 0;
  const fetch = (fetchedAt: string, runId: string, records: Record<string, string[]>) =>
    appendRawPart(
      db,
      'raw/test/things',
      `part-${String(++part).padStart(3, '0')}`,
      { fetchedAt, runId },
      Object.fromEntries(Object.entries(records).map(([id, tags]) => [id, { tags }])),
    );
  const build = async () => (await runner.build([model]))[0]!;
  const rows = async () =>
    (await db.query('select thing_id, tag from stg_test__things order by all')).map(
      (r) => `${r.thing_id}:${r.tag}`,
    );
  /** The table's parts, oldest first, each with the SHA-256 of its bytes. */
  const parts = () => partsOf(db, 'staging/stg_test__things');
  /** The rows the table's deletes leave out, as `<part file name>#<row>`; none without deletes. */
  const deletes = async () => {
    const table = await db.lake.table('staging/stg_test__things');
    if (!table?.deletes) return [];
    return (
      await db.query(`select part, part_row from read_parquet(${sqlString(table.deletes)}) order by all`)
    ).map((r) => `${r.part}#${r.part_row}`);
  };
  return { db, fetch, build, rows, parts, deletes };
}

describe('an incremental model keeps each record’s newest raw version', () => {
  const tempDir = useTempDirs();
  const things = parseModel(
    'staging/test/stg_test__things',
    'queries/staging/test/stg_test__things.sql',
    `-- record_id: thing_id
     with unpacked as (
       select record_id, unnest(json_transform(payload, '{"tags": ["VARCHAR"]}'))
       from raw_test__things
     )
     select record_id as thing_id, unnest(tags) as tag from unpacked`,
  );

  const lakeWith = async (model = things) => thingsLake(await tempDir(), model);

  it('lets a late update win and a version staging to no rows remove the old ones, parsing only new parts', async () => {
    const lake = await lakeWith();
    await lake.fetch('2026-11-01T06:00:00Z', 'run-1', { a: ['x', 'y'], b: ['z'] });
    expect(await lake.build()).toMatchObject({ mode: 'full', rawParts: 1 });
    expect(await lake.rows()).toEqual(['a:x', 'a:y', 'b:z']);

    await lake.fetch('2026-11-02T06:00:00Z', 'run-2', { a: ['w'], b: [], c: ['q'] });
    expect(await lake.build()).toMatchObject({ mode: 'incremental', rawParts: 1 });
    expect(await lake.rows()).toEqual(['a:w', 'c:q']);
    expect(await lake.build()).toMatchObject({ mode: 'unchanged', rawParts: 0 });

    // Two versions of one record in one run: the one with the greater payload hash wins, every time.
    await lake.fetch('2026-11-03T06:00:00Z', 'run-3', { d: ['first'] });
    await lake.fetch('2026-11-03T06:00:00Z', 'run-3', { d: ['second'] });
    await lake.build();
    const [tie] = await lake.db.query(
      `select arg_max(payload->>'$.tags[0]', payload_hash) as tag from raw_test__things where record_id = 'd'`,
    );
    expect(await lake.rows()).toContain(`d:${tie!.tag}`);
  });

  it('builds the table whole when a new part is older than what it holds, or the model changed', async () => {
    const lake = await lakeWith();
    await lake.fetch('2026-11-02T06:00:00Z', 'run-2', { a: ['new'] });
    await lake.build();
    // A run whose clock was set back: its version of `a` is older and must not win.
    await lake.fetch('2026-11-01T06:00:00Z', 'run-1', { a: ['old'], e: ['k'] });
    expect(await lake.build()).toMatchObject({ mode: 'full', rawParts: 2 });
    expect(await lake.rows()).toEqual(['a:new', 'e:k']);

    const changed = parseModel(things.id, things.file, things.sql.replace('as tag', 'as tag, 1 as version'));
    const runner = new ModelRunner(lake.db, new ModelGraph([changed]), {
      vars: {},
      asOf: new Date(),
      now: new Date(),
    });
    expect((await runner.build([changed]))[0]).toMatchObject({ mode: 'full', rawParts: 2 });
  });
});

describe('an incremental table is stored as parts, and a merge writes one new part', () => {
  const tempDir = useTempDirs();
  const sql = `with unpacked as (
       select record_id, unnest(json_transform(payload, '{"tags": ["VARCHAR"]}'))
       from raw_test__things
     )
     select record_id as thing_id, unnest(tags) as tag from unpacked`;
  const newest = parseModel(
    'staging/test/stg_test__things',
    'queries/staging/test/stg_test__things.sql',
    `-- record_id: thing_id\n${sql}`,
  );
  const all = parseModel(
    'staging/test/stg_test__things',
    'queries/staging/test/stg_test__things.sql',
    `-- record_id: thing_id\n-- versions: all\n${sql}`,
  );
  type Day = [fetchedAt: string, runId: string, records: Record<string, string[]>];

  const lakeWith = async (model: SqlModel) => thingsLake(await tempDir(), model);

  /** The rows a full build over the same raw gives (one build over every day's parts). */
  async function fullRows(model: SqlModel, days: Day[]): Promise<string[]> {
    const lake = await lakeWith(model);
    try {
      for (const day of days) await lake.fetch(...day);
      expect(await lake.build()).toMatchObject({ mode: 'full' });
      return await lake.rows();
    } finally {
      lake.db.close();
    }
  }

  const backfill: Day = [
    '2026-11-01T06:00:00Z',
    'run-1',
    Object.fromEntries('abcdefghij'.split('').map((id) => [id, [`${id}1`, `${id}2`]])),
  ];

  for (const model of [newest, all]) {
    it(`versions: ${model.versions}: a day of only new records adds one part and leaves the old one byte for byte`, async () => {
      const lake = await lakeWith(model);
      const days: Day[] = [backfill, ['2026-11-02T06:00:00Z', 'run-2', { k: ['k1'], l: ['l1'] }]];
      await lake.fetch(...days[0]!);
      expect(await lake.build()).toMatchObject({ mode: 'full', partsRewritten: 0, partsFolded: 0 });
      const before = await lake.parts();
      expect(before).toHaveLength(1);

      await lake.fetch(...days[1]!);
      expect(await lake.build()).toMatchObject({ mode: 'incremental', partsRewritten: 0, partsFolded: 0 });
      const after = await lake.parts();
      expect(after).toHaveLength(2);
      expect(after[0]).toEqual(before[0]);
      expect(after[1]!.file).not.toBe(before[0]!.file);
      expect(await lake.rows()).toEqual(await fullRows(model, days));
      lake.db.close();
    });
  }

  it('versions: newest: a late update to a record of an old part adds a part and deletes, leaving every old part byte for byte', async () => {
    const lake = await lakeWith(newest);
    const days: Day[] = [
      backfill,
      ['2026-11-02T06:00:00Z', 'run-2', { k: ['k1'], l: ['l1'], m: ['m1'] }],
      // `b` (backfill part) changes; `a` stages to no rows; nothing of the second day's part changes.
      ['2026-11-03T06:00:00Z', 'run-3', { b: ['b-late'], a: [] }],
    ];
    await lake.fetch(...days[0]!);
    await lake.build();
    await lake.fetch(...days[1]!);
    await lake.build();
    const before = await lake.parts();
    expect(before).toHaveLength(2);
    expect(await lake.deletes()).toEqual([]);

    await lake.fetch(...days[2]!);
    expect(await lake.build()).toMatchObject({
      mode: 'incremental',
      partsRewritten: 0,
      partsFolded: 0,
      rowsDeleted: 4,
    });
    const after = await lake.parts();
    expect(after).toHaveLength(3);
    expect(after.slice(0, 2)).toEqual(before);
    // a1, a2, b1 and b2: four rows of the backfill's part, named by position.
    const backfillPart = path.basename(before[0]!.file);
    expect((await lake.deletes()).map((d) => d.split('#')[0])).toEqual(Array(4).fill(backfillPart));
    expect(await lake.rows()).toEqual(await fullRows(newest, days));
    expect(await lake.rows()).toContain('b:b-late');
    expect((await lake.rows()).filter((r) => r.startsWith('a:') || r === 'b:b1')).toEqual([]);

    // A record of the newest part changes: that part is folded into the new one (it is no larger),
    // without its deleted row; the backfill's part stays as it was, its deletes with it.
    const more: Day = ['2026-11-04T06:00:00Z', 'run-4', { b: ['b-later'] }];
    await lake.fetch(...more);
    expect(await lake.build()).toMatchObject({
      mode: 'incremental',
      partsRewritten: 0,
      partsFolded: 1,
      rowsDeleted: 4,
    });
    const folded = await lake.parts();
    expect(folded).toHaveLength(3);
    expect(folded.slice(0, 2)).toEqual(before);
    expect((await lake.deletes()).every((d) => d.startsWith(`${backfillPart}#`))).toBe(true);
    expect(await lake.rows()).toEqual(await fullRows(newest, [...days, more]));
    lake.db.close();
  });

  it('versions: newest: compaction folds deletes away, rewriting a part once a quarter of its rows are deleted', async () => {
    const lake = await lakeWith(newest);
    const days: Day[] = [
      backfill,
      // Two of the backfill's ten records (four of its twenty rows): not yet a quarter.
      ['2026-11-02T06:00:00Z', 'run-2', { a: ['a-late'], b: ['b-late'] }],
      // One more (six rows), and the second day's `a`: that day's part is folded, the backfill's rewritten.
      ['2026-11-03T06:00:00Z', 'run-3', { a: ['a-later'], c: ['c-late'] }],
    ];
    await lake.fetch(...days[0]!);
    await lake.build();
    const [first] = await lake.parts();
    await lake.fetch(...days[1]!);
    expect(await lake.build()).toMatchObject({ partsRewritten: 0, rowsDeleted: 4 });
    expect(await lake.parts()).toHaveLength(2);
    expect((await lake.parts())[0]).toEqual(first);
    expect(await lake.rows()).toEqual(await fullRows(newest, days.slice(0, 2)));

    await lake.fetch(...days[2]!);
    expect(await lake.build()).toMatchObject({ partsRewritten: 1, partsFolded: 1, rowsDeleted: 0 });
    const parts = await lake.parts();
    expect(parts.map((p) => p.file)).not.toContain(first!.file);
    expect(await lake.deletes()).toEqual([]);
    expect((await lake.db.lake.table('staging/stg_test__things'))?.deletes).toBeUndefined();
    expect(await lake.rows()).toEqual(await fullRows(newest, days));
    lake.db.close();
  });

  it('versions: newest: a merge killed between its writes leaves the last complete table, and the next merge completes', async () => {
    const dir = await tempDir();
    const lake = await thingsLake(dir, newest);
    const days: Day[] = [
      backfill,
      ['2026-11-02T06:00:00Z', 'run-2', { b: ['b-late'], k: ['k1'] }],
      ['2026-11-03T06:00:00Z', 'run-3', { c: ['c-late'] }],
    ];
    await lake.fetch(...days[0]!);
    await lake.build();
    await lake.fetch(...days[1]!);
    await lake.build();
    const complete = { parts: await lake.parts(), deletes: await lake.deletes(), rows: await lake.rows() };
    expect(complete.deletes).toHaveLength(2);

    // The day's new part is written, then the process dies writing the deletes: no manifest change.
    await lake.fetch(...days[2]!);
    const writeParts = lake.db.lake.writeParts.bind(lake.db.lake);
    lake.db.lake.writeParts = (key, parts, deletes) =>
      writeParts(key, parts, async (tmp) => {
        await deletes?.(tmp);
        throw new Error('killed');
      });
    await expect(lake.build()).rejects.toThrow(/killed/);
    lake.db.close();

    const reopened = await thingsLake(dir, newest);
    expect(await reopened.parts()).toEqual(complete.parts);
    expect(await reopened.deletes()).toEqual(complete.deletes);
    expect(await reopened.rows()).toEqual(complete.rows);
    expect(await reopened.build()).toMatchObject({ mode: 'incremental', rawParts: 1 });
    expect(await reopened.rows()).toEqual(await fullRows(newest, days));
    reopened.db.close();
  });

  for (const model of [newest, all]) {
    it(`versions: ${model.versions}: compaction keeps the parts few over many small days`, async () => {
      const lake = await lakeWith(model);
      const days: Day[] = [backfill];
      await lake.fetch(...backfill);
      await lake.build();
      for (let day = 2; day <= 30; day++) {
        const at = new Date(Date.UTC(2026, 10, day, 6)).toISOString();
        // A new record a day, and every third day a late change to an older one.
        const records: Record<string, string[]> = { [`n${day}`]: [`n${day}`] };
        if (day % 3 === 0) records[`n${day - 2}`] = [`n${day - 2}-late`];
        const next: Day = [at, `run-${day}`, records];
        days.push(next);
        await lake.fetch(...next);
        expect(await lake.build()).toMatchObject({ mode: 'incremental' });
        expect((await lake.parts()).length).toBeLessThanOrEqual(6);
      }
      expect(await lake.rows()).toEqual(await fullRows(model, days));
      lake.db.close();
    });
  }
});

describe('incremental staging of the tiny sandbox gym over six days', () => {
  let root: string;
  let emulators: RunningEmulators;
  let incremental: Database;
  let full: Database;
  const staged: { day: number; mode: string; incremental: boolean; model: string }[] = [];

  beforeAll(async () => {
    const gym = generateGym({ size: 'tiny' });
    const first = new Date(gym.asOf.getTime() - 3 * DAY_MS);
    emulators = await startEmulators(gym, { clock: first });
    root = await mkdtemp(path.join(os.tmpdir(), 'basin-incremental-'));
    const lake = new Lake({ kind: 'local', dir: path.join(root, 'incremental') });
    const config = loadConfig({ env: { ...emulators.env, BASIN_TIMEZONE: timeZone }, cwd: lake.root });
    incremental = await Database.open(lake, { timeZone });
    const sources = await loadSources();
    // A backfill three days before the gym's clock, then a run a day, past it (the sandbox goes on).
    for (let day = 0; day < 6; day++) {
      const clock = new Date(first.getTime() + day * DAY_MS);
      emulators.setClock(clock);
      await runFetch(incremental, config, sources, { runId: `day-${day}`, now: clock, log: () => {} });
      const result = await stage(incremental, { time_zone: timeZone });
      for (const m of result.models)
        staged.push({ day, mode: m.mode, incremental: isIncremental(m), model: m.name });
    }
    await mkdir(path.join(root, 'full'));
    full = await fullRebuild(lake, path.join(root, 'full'));
  }, 600_000);

  afterAll(async () => {
    incremental?.close();
    full?.close();
    await emulators?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('parses only the new raw parts after the backfill, and equals a full rebuild over the same raw', async () => {
    const later = staged.filter((s) => s.day > 0 && s.incremental);
    expect(later.some((s) => s.mode === 'incremental')).toBe(true);
    expect(later.some((s) => s.model === 'stg_mailchimp__recipients' && s.mode === 'incremental')).toBe(true);
    expect(later.every((s) => s.mode !== 'full')).toBe(true);
    expect(await stagingDifferences(incremental, full)).toEqual({});
  });

  it('met late updates: records changed after the backfill (refunds, memberships, activity)', async () => {
    const [row] = await incremental.query(
      `select count(*)::int as n from (
         select record_id from raw_stripe__payment_intents group by all having count(*) > 1
         union all select record_id from raw_capitan__customer_memberships group by all having count(*) > 1
         union all select record_id from raw_mailchimp__email_activity group by all having count(*) > 1)`,
    );
    expect(Number(row?.n)).toBeGreaterThan(0);
  });

  it('names each staged row by its raw record (the record_id every incremental model declares)', async () => {
    const graph = await loadModelGraph();
    for (const model of graph.models) {
      if (model.kind !== 'sql' || model.versions !== 'newest') continue;
      const raw = model.reads.find((r) => sourceLayerOf(r) === 'raw')!;
      const [row] = await incremental.query(
        `select count(*)::int as strays from (select (${model.recordId})::varchar as record_id from ${model.name})
         anti join ${raw} using (record_id)`,
      );
      expect(Number(row?.strays), model.file).toBe(0);
    }
  });
});

describe('incremental staging of the demo gym', () => {
  const tempDir = useTempDirs();

  it(
    'stages a day of new and changed records on the shared demo lake, and equals a full rebuild',
    async () => {
      const root = await tempDir();
      const lake = new Lake({ kind: 'local', dir: await copyDemoLake(root) });
      const gym = generateGym({ size: 'demo' });
      const clock = new Date(gym.asOf.getTime() + DAY_MS);
      const emulators = await startEmulators(gym, { clock });
      const db = await Database.open(lake, { timeZone });
      try {
        const config = loadConfig({ env: { ...emulators.env, BASIN_TIMEZONE: timeZone }, cwd: lake.root });
        const fetched = await runFetch(db, config, await loadSources(), {
          runId: 'next-day',
          now: clock,
          log: () => {},
        });
        expect(fetched.reduce((n, s) => n + s.written, 0)).toBeGreaterThan(0);
        const result = await stage(db, { time_zone: timeZone });
        const incremental = result.models.filter(isIncremental);
        expect(incremental.filter((m) => m.mode === 'incremental').length).toBeGreaterThan(0);
        expect(incremental.every((m) => m.mode !== 'full')).toBe(true);

        await mkdir(path.join(root, 'full'));
        const rebuilt = await fullRebuild(lake, path.join(root, 'full'));
        try {
          expect(await stagingDifferences(db, rebuilt)).toEqual({});
        } finally {
          rebuilt.close();
        }
      } finally {
        db.close();
        await emulators.close();
      }
    },
    BUILD_WAIT_MS,
  );
});
