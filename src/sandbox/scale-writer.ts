/**
 * Writes a sandbox gym at benchmark scale straight into a raw lake (no HTTP): the Parquet parts a
 * fetch at `asOf` would have written, in the raw layout `raw/<source>/<stream>/<part>.parquet`.
 *
 * Households are generated in parts on worker threads, staged as tab-separated text, and turned into
 * one Parquet part per stream by DuckDB while the workers stage the next parts, so memory stays
 * bounded whatever the scale.
 *
 * With `days`, the same pass also writes each following day's parts: what a daily fetch a day later
 * would add (the records new or changed since the day before, at the gym's scale), one part per stream
 * and day under `<dir>/days/<k>/raw/`, for `addScaleDay` to append to a lake built from the first.
 */
import { mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Lake } from '../lake/lake.ts';
import { DEFAULT_AS_OF, DEFAULT_TIME_ZONE, householdCount } from './generate.ts';
import { chunkCount } from './generator/chunk.ts';
import { createContext, type GenContext, HORIZON_DAYS } from './generator/context.ts';
import { addTotals, type ChunkTotals, emitGlobalRows, emptyTotals } from './generator/lake-rows.ts';
import type { ScaleWorkerData } from './generator/scale-worker.ts';
import {
  parseTotals,
  renderDays,
  type StagedFile,
  type StagedPart,
  StreamFiles,
  stagePart,
  type WorkerReply,
} from './generator/staging.ts';
import { DAY_MS } from './generator/time.ts';
import { startModuleWorker } from './module-worker.ts';

export interface ScaleLakeOptions {
  seed?: number;
  /** Factor of the demo gym (100 ⇒ about 1.1 million customers). */
  scale: number;
  /** Lake root; parts go under `<dir>/raw/`. */
  dir: string;
  asOf?: Date;
  timeZone?: string;
  /** Worker threads generating households; 0 generates on the calling thread. */
  workers?: number;
  /** Household chunks (of 1,000) per Parquet part. */
  chunksPerPart?: number;
  /** Following days to write as daily increments (0 when absent). */
  days?: number;
  onProgress?: (partsDone: number, partsTotal: number) => void;
}

export interface ScaleLakeResult {
  runId: string;
  households: number;
  parts: number;
  /** Rows written per `source/stream`. */
  rows: Record<string, number>;
  files: number;
  /** The following days' increments, in order. */
  days: ScaleDay[];
  ms: number;
}

export interface ScaleDay {
  /** 1 for the day after `asOf`. */
  day: number;
  /** The fetch's clock: `asOf` plus `day` days. */
  asOf: Date;
  /** Its parts: `<dir>/raw/<source>/<stream>/<part>.parquet`, one per stream with rows. */
  dir: string;
  rows: Record<string, number>;
}

const sqlText = (text: string): string => `'${text.replaceAll("'", "''")}'`;

class PartWriter {
  readonly rows: Record<string, number> = {};
  files = 0;

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly dir: string,
    private readonly runId: string,
    private readonly fetchedAt: string,
  ) {}

  /** One Parquet part per staged file. */
  async write(files: StagedFile[], tag: string): Promise<void> {
    for (const staged of files) await this.writePart(staged.stream, [staged], `${this.runId}-${tag}`);
  }

  /** One Parquet part of a stream from any number of staged files. */
  async writePart(stream: string, files: StagedFile[], partId: string): Promise<void> {
    const target = path.join(this.dir, 'raw', stream);
    mkdirSync(target, { recursive: true });
    const out = path.join(target, `${partId}.parquet`);
    const sources =
      files.length === 1 ? sqlText(files[0]!.file) : `[${files.map((f) => sqlText(f.file)).join(', ')}]`;
    await this.conn.run(
      `copy (
        select record_id, payload::json as payload, md5(payload) as payload_hash,
               ${sqlText(this.fetchedAt)}::timestamptz as fetched_at, ${sqlText(this.runId)} as run_id
        from read_csv(${sources}, delim = '\t', quote = '', escape = '',
                      header = false, auto_detect = false, max_line_size = 1048576,
                      columns = {'record_id': 'VARCHAR', 'payload': 'VARCHAR'})
      ) to ${sqlText(out)} (format parquet, compression zstd, row_group_size 16384)`,
    );
    for (const staged of files) {
      rmSync(staged.file, { force: true });
      this.rows[stream] = (this.rows[stream] ?? 0) + staged.rows;
    }
    this.files++;
  }
}

/** Starts a staging worker. */
function startWorker(data: ScaleWorkerData): Worker {
  // A worker holds one household at a time; a small heap keeps the process's memory bounded.
  return startModuleWorker(import.meta.url, './generator/scale-worker', {
    workerData: data,
    resourceLimits: { maxOldGenerationSizeMb: 192 },
  });
}

/** Stages parts on worker threads, handing each finished part to `done` (at most a few waiting). */
async function stageOnWorkers(
  data: ScaleWorkerData,
  parts: number,
  workers: number,
  done: (part: StagedPart) => Promise<void>,
): Promise<void> {
  let next = 0;
  let writing: Promise<void> = Promise.resolve();
  let waiting = 0;
  const pool = Array.from({ length: Math.min(workers, parts) }, () => startWorker(data));
  try {
    await Promise.all(
      pool.map(async (worker) => {
        while (next < parts) {
          const part = next++;
          const reply = await new Promise<WorkerReply>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
            worker.postMessage(part);
          });
          worker.removeAllListeners('error');
          waiting++;
          writing = writing.then(() =>
            done({
              part: reply.part,
              files: reply.files,
              totals: parseTotals(reply.totals),
              days: reply.days.map((d) => ({ files: d.files, totals: parseTotals(d.totals) })),
            }).finally(() => {
              waiting--;
            }),
          );
          // Back-pressure: staged text waits on disk, but never more than a few parts of it.
          while (waiting > workers + 1) await writing;
        }
      }),
    );
    await writing;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

export async function writeScaleLake(options: ScaleLakeOptions): Promise<ScaleLakeResult> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const asOf = options.asOf ?? DEFAULT_AS_OF;
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const days = options.days ?? 0;
  // The generated history runs HORIZON_DAYS past asOf; later clocks would show nothing new.
  if (!Number.isInteger(days) || days < 0 || days >= HORIZON_DAYS)
    throw new Error(`days must be a whole number from 0 to ${HORIZON_DAYS - 1}`);
  const households = householdCount(options.scale);
  const ctx: GenContext = createContext(seed, households, asOf, timeZone);
  const clocks = Array.from({ length: days + 1 }, (_, day) => asOf.getTime() + day * DAY_MS);
  const perPart = options.chunksPerPart ?? 3;
  const parts = Math.ceil(chunkCount(ctx) / perPart);
  const runId = `scale-${seed}-${String(options.scale).replace('.', '_')}`;
  const stagingDir = path.join(options.dir, '.staging', runId);
  mkdirSync(stagingDir, { recursive: true });

  const instance = await DuckDBInstance.create(':memory:', {
    threads: '2',
    preserve_insertion_order: 'false',
    // A day's part reads every part's staged rows of its stream at once.
    memory_limit: '512MB',
  });
  const conn = await instance.connect();
  const writer = new PartWriter(conn, options.dir, runId, asOf.toISOString());
  const totals: ChunkTotals[] = clocks.map(() => emptyTotals());
  // A day's increment is small: its staged files wait on disk, to become one part per stream.
  const dayFiles: StagedFile[][] = clocks.slice(1).map(() => []);
  let partsDone = 0;
  const done = async (staged: StagedPart) => {
    await writer.write(staged.files, String(staged.part).padStart(5, '0'));
    addTotals(totals[0]!, staged.totals);
    staged.days.forEach((d, k) => {
      dayFiles[k]!.push(...d.files);
      addTotals(totals[k + 1]!, d.totals);
    });
    options.onProgress?.(++partsDone, parts);
  };
  const written: ScaleDay[] = [];
  try {
    const workers = options.workers ?? Math.min(2, availableParallelism());
    if (workers > 0) {
      const data: ScaleWorkerData = {
        seed,
        households,
        asOfMs: asOf.getTime(),
        timeZone,
        perPart,
        stagingDir,
        clocks,
      };
      await stageOnWorkers(data, parts, workers, done);
    } else {
      for (let part = 0; part < parts; part++) await done(stagePart(ctx, part, perPart, clocks, stagingDir));
    }
    const global = clocks.map(
      (_, day) => new StreamFiles(stagingDir, day === 0 ? 'global' : `global-day${day}`),
    );
    renderDays(
      clocks.length,
      (day, emit) => {
        emitGlobalRows(ctx, totals[day]!, clocks[day]!, emit);
        return emptyTotals();
      },
      global,
      clocks.map(() => emptyTotals()),
    );
    await writer.write(global[0]!.close(), 'global');
    for (let day = 1; day < clocks.length; day++) {
      const dayAsOf = new Date(clocks[day]!);
      const dir = path.join(options.dir, 'days', String(day));
      const dayWriter = new PartWriter(conn, dir, `${runId}-day${day}`, dayAsOf.toISOString());
      const files = [...dayFiles[day - 1]!, ...global[day]!.close()];
      for (const stream of new Set(files.map((f) => f.stream)))
        await dayWriter.writePart(
          stream,
          files.filter((f) => f.stream === stream),
          `${runId}-day${day}`,
        );
      written.push({ day, asOf: dayAsOf, dir, rows: dayWriter.rows });
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(stagingDir, { recursive: true, force: true });
    // Other runs may be staging beside this one; the folder goes only once it is empty.
    if (readdirSync(path.dirname(stagingDir)).length === 0) rmdirSync(path.dirname(stagingDir));
  }
  return {
    runId,
    households,
    parts,
    rows: writer.rows,
    files: writer.files,
    days: written,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * Appends a written day's parts to a lake, as that day's fetch would have: each stream's part is
 * published in the lake's manifest, so the next run stages it as new raw data.
 */
export async function addScaleDay(lake: Lake, day: ScaleDay): Promise<number> {
  let added = 0;
  const rawDir = path.join(day.dir, 'raw');
  for (const source of readdirSync(rawDir).sort()) {
    for (const stream of readdirSync(path.join(rawDir, source)).sort()) {
      for (const file of readdirSync(path.join(rawDir, source, stream)).filter((f) =>
        f.endsWith('.parquet'),
      )) {
        await lake.appendPart(`raw/${source}/${stream}`, file.slice(0, -'.parquet'.length), (tmp) =>
          copyFile(path.join(rawDir, source, stream, file), tmp),
        );
        added++;
      }
    }
  }
  return added;
}
