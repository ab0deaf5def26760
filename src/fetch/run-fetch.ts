import type { z } from 'zod';
import type { Config, SourceName } from '../config.ts';
import { startProgress } from '../progress.ts';
import type { Database } from '../sql/database.ts';
import { readFetchState, type StreamState, stateKey, writeFetchState } from './fetch-state.ts';
import { RawStreamWriter, type RejectedRecord, writeRejected } from './raw-writer.ts';
import type { SourceDefinition, StreamContext, StreamDefinition } from './source.ts';
import { fetchWindow } from './windows.ts';

export interface FetchOptions {
  runId: string;
  /** Limit the run to these sources. */
  only?: SourceName[];
  /** Backfill windowed streams from this date. */
  since?: Date;
  /** The run's clock; the sandbox sets it to the emulators' clock. */
  now?: Date;
  log?: (line: string) => void;
}

export interface StreamResult {
  source: SourceName;
  stream: string;
  status: 'ok' | 'failed';
  since: Date | undefined;
  pages: number;
  fetched: number;
  written: number;
  unchanged: number;
  rejected: number;
  seconds: number;
  error?: string;
}

/**
 * Fetches every configured source into raw, sources in parallel, each source's streams in order.
 * A failing stream is reported and does not stop the others; its window is not marked done, so the
 * next run fetches it again.
 */
export async function runFetch(
  db: Database,
  config: Config,
  sources: readonly SourceDefinition[],
  options: FetchOptions,
): Promise<StreamResult[]> {
  const log = options.log ?? ((line: string) => console.error(line));
  const now = options.now ?? new Date();
  const state = await readFetchState(db);
  const chosen = sources.filter((s) => !options.only || options.only.includes(s.name));
  const perSource = await Promise.all(
    chosen.map(async (source) => {
      const settings = source.settings(config);
      if (settings === undefined) return [];
      return runSource(db, config, source, settings, state, { ...options, now, log });
    }),
  );
  await writeFetchState(db, state);
  return perSource.flat();
}

async function runSource(
  db: Database,
  config: Config,
  source: SourceDefinition,
  settings: unknown,
  state: Map<string, StreamState>,
  options: FetchOptions & { now: Date; log: (line: string) => void },
): Promise<StreamResult[]> {
  const results: StreamResult[] = [];
  const earlier = new Map<string, unknown[]>();
  let streams: StreamDefinition<never>[];
  try {
    streams = source.streams(settings as never);
  } catch (error) {
    options.log(`${source.name}: could not start: ${(error as Error).message}`);
    return [failedResult(source.name, '*', (error as Error).message)];
  }
  for (const stream of streams) {
    const result = await runStream(
      db,
      config,
      source.name,
      stream as StreamDefinition<unknown>,
      state,
      earlier,
      options,
    );
    results.push(result);
  }
  return results;
}

async function runStream(
  db: Database,
  config: Config,
  source: SourceName,
  stream: StreamDefinition<unknown>,
  state: Map<string, StreamState>,
  earlier: Map<string, unknown[]>,
  options: FetchOptions & { now: Date; log: (line: string) => void },
): Promise<StreamResult> {
  const started = Date.now();
  const window = fetchWindow(
    stream.window,
    state.get(stateKey(source, stream.name)),
    options.now,
    options.since,
  );
  const label = `${source}/${stream.name}`;
  const progress = startProgress({ label, unit: 'records' });
  const writer = new RawStreamWriter(db, source, stream.name, options.runId, options.now);
  const rejected: RejectedRecord[] = [];
  const valid: unknown[] = [];
  let pages = 0;
  let fetched = 0;
  let error: string | undefined;

  const context: StreamContext = {
    window,
    timeZone: config.timeZone,
    db,
    earlier: (name) => earlier.get(name) ?? [],
    retry: {
      onRetry: (e, attempt, delayMs) =>
        options.log(
          `${label}: retry ${attempt} in ${Math.round(delayMs)} ms after: ${e.message.slice(0, 160)}`,
        ),
    },
  };

  try {
    for await (const page of stream.pages(context)) {
      pages++;
      fetched += page.length;
      const batch = [];
      for (const record of page) {
        const parsed = stream.schema.safeParse(record);
        if (parsed.success) {
          batch.push({ recordId: stream.recordId(parsed.data), payload: record });
          valid.push(parsed.data);
        } else {
          rejected.push({
            source,
            stream: stream.name,
            recordId: guessId(record),
            reason: describeZodError(parsed.error),
            payload: record,
          });
        }
      }
      await writer.add(batch);
      progress.advance(page.length, `${pages} pages`);
    }
  } catch (e) {
    error = (e as Error).message;
  } finally {
    await writer.close();
    await writeRejected(db, options.runId, `${source}-${stream.name}`, rejected);
  }
  earlier.set(stream.name, valid);
  const status = error === undefined ? 'ok' : 'failed';
  progress.finish(
    status === 'ok'
      ? `${pages} pages, ${writer.written} new or changed, ${rejected.length} rejected`
      : `FAILED after ${pages} pages: ${error}`,
  );
  if (status === 'ok') {
    state.set(stateKey(source, stream.name), {
      source,
      stream: stream.name,
      // The run's clock, like the records' fetched_at, so the two compare (relations reads the
      // customers whose newest version is newer than its last success).
      lastSuccessAt: options.now,
      windowSince: window.since ?? null,
      windowUntil: window.until,
      runId: options.runId,
      records: fetched,
    });
  }
  return {
    source,
    stream: stream.name,
    status,
    since: window.since,
    pages,
    fetched,
    written: writer.written,
    unchanged: writer.unchanged,
    rejected: rejected.length,
    seconds: (Date.now() - started) / 1000,
    ...(error === undefined ? {} : { error }),
  };
}

function failedResult(source: SourceName, stream: string, error: string): StreamResult {
  return {
    source,
    stream,
    status: 'failed',
    since: undefined,
    pages: 0,
    fetched: 0,
    written: 0,
    unchanged: 0,
    rejected: 0,
    seconds: 0,
    error,
  };
}

/** The record's own id where it has one, so a rejected row can be traced back to the API. */
function guessId(record: unknown): string | null {
  const id = (record as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(record)'}: ${issue.message}`)
    .join('; ');
}
