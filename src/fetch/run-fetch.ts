import type { z } from 'zod';
import type { Config, SourceName } from '../config.ts';
import { startProgress } from '../progress.ts';
import { settings as allSettings } from '../settings.ts';
import { sourceConfigs } from '../sources/catalog.ts';
import type { Database } from '../sql/database.ts';
import { readFetchState, type StreamState, stateKey, writeFetchState } from './fetch-state.ts';
import { PageFeed } from './page-feed.ts';
import { RawStreamWriter, type RejectedRecord, writeRejected } from './raw-writer.ts';
import { isAuthFailure } from './retry.ts';
import type { SourceDefinition, StoredPage, StreamContext, StreamDefinition } from './source.ts';
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
  /** What the stream warned of (records not listed yet, a setting the API overrode); it still succeeded. */
  warnings: string[];
  error?: string;
}

/**
 * Fetches every configured source into raw, sources in parallel, each source's streams in order.
 * A failing stream is reported and does not stop the others; its window is not marked done, so the
 * next run fetches it again. Completeness checks that cross-reference streams run once a source's
 * streams have all fetched, and can still fail one.
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
  const earlier = new Map<string, unknown[]>();
  const received = new Map<string, Set<string>>();
  let streams: StreamDefinition<never>[];
  try {
    streams = source.streams(settings as never);
  } catch (error) {
    options.log(`${source.name}: could not start: ${(error as Error).message}`);
    return [failedResult(source.name, '*', (error as Error).message)];
  }
  const kept = new Set(streams.filter((s) => s.keepRecords).map((s) => s.name));
  const feeds = new Map(
    streams.filter((s) => s.dataFrom !== undefined).map((s) => [s.name, new PageFeed<StoredPage>()]),
  );
  const fetched = await Promise.all(
    inDependencyOrder(source.name, streams, (stream) =>
      runStream(
        db,
        config,
        source.name,
        stream as StreamDefinition<unknown>,
        state,
        { earlier, received, kept },
        {
          input: feeds.get(stream.name) ?? noInput,
          outputs: streams.filter((s) => s.dataFrom === stream.name).map((s) => feeds.get(s.name)!),
        },
        options,
      ),
    ),
  );
  // Cross-references need every stream of the source, so they run once all have fetched, and a
  // stream's window is recorded only after its own checks pass.
  for (const { stream, context, result } of fetched) {
    if (result.status === 'ok' && stream.verify) {
      try {
        await stream.verify(context);
      } catch (e) {
        fail(result, (e as Error).message, options.log);
      }
    }
  }
  for (const { context, result, recheckFrom } of fetched) {
    if (result.status !== 'ok') continue;
    const until = recheckFrom.length > 0 ? new Date(Math.min(...recheckFrom.map((d) => d.getTime()))) : null;
    state.set(stateKey(source.name, result.stream), {
      source: source.name,
      stream: result.stream,
      // The run's clock, like the records' fetched_at, so the two compare (relations reads the
      // customers whose newest version is newer than its last success).
      lastSuccessAt: options.now,
      windowSince: context.window.since ?? null,
      // A lag holds the window back, so the next run reads that stretch again.
      windowUntil: until && until < context.window.until ? until : context.window.until,
      runId: options.runId,
      records: result.fetched,
    });
  }
  return fetched.map((f) => f.result);
}

const noInput: AsyncIterable<StoredPage> = { async *[Symbol.asyncIterator]() {} };

/**
 * Starts each stream once those it comes `after` have finished (by default, every stream listed
 * before it), a transformer together with the stream it reads, and returns their results in the
 * listed order. A stream runs whatever the others' outcome: a failure is reported in its result,
 * not thrown.
 */
function inDependencyOrder(
  source: SourceName,
  streams: readonly StreamDefinition<never>[],
  run: (stream: StreamDefinition<never>) => Promise<FetchedStream>,
): Promise<FetchedStream>[] {
  const started = new Map<string, Promise<FetchedStream>>();
  const startsWhen = new Map<string, Promise<unknown>>();
  for (const stream of streams) {
    const listedBefore = (name: string, relation: string) => {
      const earlier = started.get(name);
      if (!earlier)
        throw new Error(`${source}/${stream.name} ${relation} ${name}, which is not listed before it`);
      return earlier;
    };
    if (stream.dataFrom !== undefined && stream.after !== undefined)
      throw new Error(
        `${source}/${stream.name} has both dataFrom and after: a transformer starts with its input`,
      );
    let ready: Promise<unknown>;
    if (stream.dataFrom !== undefined) {
      listedBefore(stream.dataFrom, 'transforms');
      ready = startsWhen.get(stream.dataFrom)!;
    } else {
      ready = Promise.all(
        (stream.after ?? [...started.keys()]).map((name) => listedBefore(name, 'comes after')),
      );
    }
    startsWhen.set(stream.name, ready);
    started.set(
      stream.name,
      ready.then(() => run(stream)),
    );
  }
  return [...started.values()];
}

interface FetchedStream {
  stream: StreamDefinition<unknown>;
  context: StreamContext;
  result: StreamResult;
  recheckFrom: Date[];
}

async function runStream(
  db: Database,
  config: Config,
  source: SourceName,
  stream: StreamDefinition<unknown>,
  state: Map<string, StreamState>,
  seen: { earlier: Map<string, unknown[]>; received: Map<string, Set<string>>; kept: ReadonlySet<string> },
  /** The pages a transformer reads, and the feeds of the transformers that read this stream. */
  pagesOf: { input: AsyncIterable<StoredPage>; outputs: PageFeed<StoredPage>[] },
  options: FetchOptions & { now: Date; log: (line: string) => void },
): Promise<FetchedStream> {
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
  const valid: unknown[] | undefined = stream.keepRecords ? [] : undefined;
  const ids = new Set<string>();
  const warnings: string[] = [];
  const recheckFrom: Date[] = [];
  let pages = 0;
  let fetched = 0;
  let error: string | undefined;

  const context: StreamContext = {
    window,
    timeZone: config.timeZone,
    db,
    earlier: (name) => {
      if (!seen.kept.has(name))
        throw new Error(`${label} reads ${source}/${name} with earlier(), which does not keep its records`);
      return seen.earlier.get(name) ?? [];
    },
    receivedIds: (name) => seen.received.get(name) ?? new Set(),
    retry: {
      maxRetryAfterMs: config.maxRetryAfterMs,
      onRetry: (e, attempt, delayMs) =>
        options.log(
          `${label}: retry ${attempt} in ${Math.round(delayMs)} ms after: ${e.message.slice(0, 160)}`,
        ),
    },
    warn: (message, { recheckFrom: from } = {}) => {
      warnings.push(message);
      if (from) recheckFrom.push(from);
      options.log(`${label}: warning: ${message}${from ? '; the next run reads it again' : ''}`);
    },
  };

  const endOutputs = (failure: string | undefined) => {
    for (const feed of pagesOf.outputs)
      feed.end(failure === undefined ? undefined : new Error(`${label} failed: ${failure}`));
  };

  try {
    for await (const page of stream.pages(context, pagesOf.input)) {
      pages++;
      fetched += page.length;
      const batch = [];
      for (const record of page) {
        const parsed = stream.schema.safeParse(record);
        if (parsed.success) {
          const recordId = stream.recordId(parsed.data);
          batch.push({ recordId, payload: record });
          valid?.push(parsed.data);
          ids.add(recordId);
        } else {
          const recordId = guessId(record);
          if (recordId !== null) ids.add(recordId);
          rejected.push({
            source,
            stream: stream.name,
            recordId,
            reason: describeZodError(parsed.error),
            payload: record,
          });
        }
      }
      for (const feed of pagesOf.outputs) feed.push(batch);
      await writer.add(batch);
      progress.advance(page.length, `${pages} pages`);
    }
  } catch (e) {
    error = isAuthFailure(e) ? describeAuthFailure(source, e) : (e as Error).message;
  } finally {
    await writer
      .close()
      .then(() => writeRejected(db, options.runId, `${source}-${stream.name}`, rejected))
      .catch((e: Error) => {
        endOutputs(e.message);
        throw e;
      });
  }
  // Only now are this stream's records in raw, where a transformer may look them up.
  endOutputs(error);
  if (valid) seen.earlier.set(stream.name, valid);
  seen.received.set(stream.name, ids);
  const status = error === undefined ? 'ok' : 'failed';
  progress.finish(
    status === 'ok'
      ? `${pages} pages, ${writer.written} new or changed, ${rejected.length} rejected`
      : `FAILED after ${pages} pages: ${error}`,
  );
  const result: StreamResult = {
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
    warnings,
    ...(error === undefined ? {} : { error }),
  };
  return { stream, context, result, recheckFrom };
}

/** A refused key names the setting that holds it: the one thing the user has to change. */
function describeAuthFailure(source: SourceName, error: unknown): string {
  const required = sourceConfigs.find((c) => c.name === source)?.required ?? [];
  const credentials = allSettings.filter((s) => s.secret && required.includes(s.name)).map((s) => s.name);
  return `the API refused the credentials (authentication or permission): check ${credentials.join(', ') || 'its settings'}; ${(error as Error).message}`;
}

function fail(result: StreamResult, error: string, log: (line: string) => void): void {
  result.status = 'failed';
  result.error = error;
  log(`${result.source}/${result.stream}: FAILED its completeness check: ${error}`);
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
    warnings: [],
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
