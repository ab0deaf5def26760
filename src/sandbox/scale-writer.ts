/**
 * Writes a sandbox gym at benchmark scale straight into a raw lake (no HTTP): the Parquet parts a
 * fetch at `asOf` would have written, in the raw layout `raw/<source>/<stream>/<part>.parquet`.
 *
 * Households are generated in parts on worker threads, staged as tab-separated text, and turned into
 * one Parquet part per stream by DuckDB while the workers stage the next parts, so memory stays
 * bounded whatever the scale.
 */
import { mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_AS_OF, DEFAULT_TIME_ZONE, householdCount } from './generate.ts';
import { chunkCount } from './generator/chunk.ts';
import { createContext, type GenContext } from './generator/context.ts';
import { addTotals, type ChunkTotals, emitGlobalRows, emptyTotals } from './generator/lake-rows.ts';
import type { ScaleWorkerData } from './generator/scale-worker.ts';
import { type StagedFile, type StagedPart, StreamFiles, stagePart } from './generator/staging.ts';
import type { ReportTally } from './generator/views.ts';

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
  onProgress?: (partsDone: number, partsTotal: number) => void;
}

export interface ScaleLakeResult {
  runId: string;
  households: number;
  parts: number;
  /** Rows written per `source/stream`. */
  rows: Record<string, number>;
  files: number;
  ms: number;
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

  async write(files: StagedFile[], tag: string): Promise<void> {
    for (const staged of files) {
      const target = path.join(this.dir, 'raw', staged.stream);
      mkdirSync(target, { recursive: true });
      const out = path.join(target, `${this.runId}-${tag}.parquet`);
      await this.conn.run(
        `copy (
          select record_id, payload::json as payload, md5(payload) as payload_hash,
                 ${sqlText(this.fetchedAt)}::timestamptz as fetched_at, ${sqlText(this.runId)} as run_id
          from read_csv(${sqlText(staged.file)}, delim = '\t', quote = '', escape = '', header = false,
                        auto_detect = false, max_line_size = 1048576,
                        columns = {'record_id': 'VARCHAR', 'payload': 'VARCHAR'})
        ) to ${sqlText(out)} (format parquet, compression zstd, row_group_size 16384)`,
      );
      rmSync(staged.file, { force: true });
      this.rows[staged.stream] = (this.rows[staged.stream] ?? 0) + staged.rows;
      this.files++;
    }
  }
}

interface WorkerReply {
  part: number;
  files: StagedFile[];
  associationMembers: [number, number][];
  reports: [string, ReportTally][];
}

/**
 * Starts a staging worker. Run from TypeScript source (under tsx), the worker thread needs tsx's
 * loader registered in it too: Node does not carry the parent's module hooks into workers.
 */
function startWorker(data: ScaleWorkerData): Worker {
  const script = new URL(
    `./generator/scale-worker${path.extname(new URL(import.meta.url).pathname)}`,
    import.meta.url,
  );
  // A worker holds one household at a time; a small heap keeps the process's memory bounded.
  const resourceLimits = { maxOldGenerationSizeMb: 192 };
  if (!script.pathname.endsWith('.ts')) return new Worker(script, { workerData: data, resourceLimits });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data, resourceLimits });
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
              totals: {
                associationMembers: new Map(reply.associationMembers),
                reports: new Map(reply.reports),
              },
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
  const households = householdCount(options.scale);
  const ctx: GenContext = createContext(seed, households, asOf, timeZone);
  const perPart = options.chunksPerPart ?? 3;
  const parts = Math.ceil(chunkCount(ctx) / perPart);
  const runId = `scale-${seed}-${String(options.scale).replace('.', '_')}`;
  const stagingDir = path.join(options.dir, '.staging', runId);
  mkdirSync(stagingDir, { recursive: true });

  const instance = await DuckDBInstance.create(':memory:', {
    threads: '2',
    preserve_insertion_order: 'false',
    memory_limit: '256MB',
  });
  const conn = await instance.connect();
  const writer = new PartWriter(conn, options.dir, runId, asOf.toISOString());
  const totals: ChunkTotals = emptyTotals();
  let partsDone = 0;
  const done = async (staged: StagedPart) => {
    await writer.write(staged.files, String(staged.part).padStart(5, '0'));
    addTotals(totals, staged.totals);
    options.onProgress?.(++partsDone, parts);
  };
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
      };
      await stageOnWorkers(data, parts, workers, done);
    } else {
      for (let part = 0; part < parts; part++)
        await done(stagePart(ctx, part, perPart, ctx.asOfMs, stagingDir));
    }
    const global = new StreamFiles(stagingDir, 'global');
    emitGlobalRows(ctx, totals, ctx.asOfMs, global.emit);
    await writer.write(global.close(), 'global');
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
    ms: Math.round(performance.now() - started),
  };
}
