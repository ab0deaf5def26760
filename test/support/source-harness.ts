import { afterEach } from 'vitest';
import type { SourceName } from '../../src/config.ts';
import { loadConfig } from '../../src/config.ts';
import { runFetch, type StreamResult } from '../../src/fetch/run-fetch.ts';
import type { SourceDefinition } from '../../src/fetch/source.ts';
import { Lake } from '../../src/lake/lake.ts';
import { stage } from '../../src/pipeline/stage.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { Database } from '../../src/sql/database.ts';
import { useTempDirs } from './temp-dir.ts';

export interface SourceHarnessOptions {
  dir: string;
  /** Already listening. */
  emulator: HttpEmulator;
  source: SourceDefinition;
  /** The settings that point the source at the emulator. */
  env: Record<string, string>;
  timeZone: string;
}

/**
 * One source fetched through its emulator into a lake in `dir`, as the product runs it: the
 * config comes from settings, each `run()` is a fetch run at the emulator's clock.
 */
export async function openSourceHarness(options: SourceHarnessOptions) {
  const { emulator, source } = options;
  const name: SourceName = source.name;
  const lake = new Lake({ kind: 'local', dir: options.dir });
  const config = loadConfig({ env: { ...options.env, BASIN_TIMEZONE: options.timeZone }, cwd: lake.root });
  const db = await Database.open(lake, { timeZone: config.timeZone });
  const logs: string[] = [];
  let runs = 0;
  const run = (runId = `run-${++runs}`, definition = source) =>
    runFetch(db, config, [definition], {
      runId,
      now: emulator.clock,
      log: (line) => logs.push(line),
    });
  const rawIds = async (stream: string) =>
    (await db.lake.table(`raw/${name}/${stream}`))
      ? (await db.query(`select distinct record_id from raw_${name}__${stream} order by 1`)).map((r) =>
          String(r.record_id),
        )
      : [];
  const stageAll = () => stage(db, { time_zone: config.timeZone }, { onlySource: name });
  const close = async () => {
    db.close();
    await emulator.close();
  };
  return { emulator, db, config, run, rawIds, stageAll, logs, close };
}

/**
 * For a describe block: each call opens with `open` in a fresh temp folder, and whatever was opened
 * is closed after its test.
 */
export function useOpenedPerTest<A extends unknown[], H extends { close(): Promise<void> | void }>(
  open: (dir: string, ...args: A) => Promise<H>,
): (...args: A) => Promise<H> {
  const tempDir = useTempDirs();
  const opened: H[] = [];
  afterEach(async () => {
    for (const harness of opened.splice(0)) await harness.close();
  });
  return async (...args: A) => {
    const harness = await open(await tempDir(), ...args);
    opened.push(harness);
    return harness;
  };
}

export const byStream = (results: StreamResult[]) => Object.fromEntries(results.map((r) => [r.stream, r]));
