import type { z } from 'zod';
import type { Config, SourceName } from '../config.ts';
import type { Database } from '../sql/database.ts';
import type { RawRecord } from './raw-writer.ts';
import type { RetryOptions } from './retry.ts';

/**
 * How much a daily run asks for: `full` fetches the current state every time (small, mutable
 * collections whose API has no way to ask for changes); `recent` fetches the last `days`, reaching
 * back further when the previous success is older, plus `lookbackDays` to catch late changes
 * (refunds, status updates); `changed` fetches everything once, then only the records changed since
 * the previous success, `reachBackMinutes` before it so a change saved while that run read is not
 * missed (a collection whose API filters by when a record last changed).
 */
export type WindowPolicy =
  | { kind: 'full' }
  | { kind: 'recent'; days: number; lookbackDays?: number }
  | { kind: 'changed'; reachBackMinutes: number };

/** `since` undefined means everything the API has. */
export interface FetchWindow {
  since: Date | undefined;
  until: Date;
}

export interface StreamContext {
  window: FetchWindow;
  timeZone: string;
  /** Pass to `withRetry`/`getJson` so retries show in the progress line. */
  retry: RetryOptions;
  /**
   * Valid records of a stream fetched earlier in this run of the same source, one that keeps them
   * (`keepRecords`); asking for another's throws.
   */
  earlier(stream: string): readonly unknown[];
  /**
   * Ids of every record a stream of this run received, rejected ones included: a record that failed
   * validation was not lost (it is in the rejected table), so cross-references count it as listed.
   */
  receivedIds(stream: string): ReadonlySet<string>;
  /** Read access to the lake, for streams that refresh only what changed. */
  db: Database;
  /**
   * Reports something the run should know that does not fail the stream: records the API has not
   * shown yet (an eventually consistent list), or a setting the API overrode. With `recheckFrom`, the
   * next run fetches again from there, so a lag is checked once more rather than forgotten.
   */
  warn(message: string, options?: { recheckFrom?: Date }): void;
}

/** One page of a stream as the runner stores it: each valid record's id and payload as the API returned it. */
export type StoredPage = readonly RawRecord[];

/** One resource of a source, in dlt's sense: a schema, a primary key, a window and a page loop. */
export interface StreamDefinition<T = unknown> {
  name: string;
  /** Validates one record; failures go to the rejected table with the reason. */
  schema: z.ZodType<T>;
  recordId(record: T): string;
  window: WindowPolicy;
  /**
   * Yields the API's records page by page, exactly as returned. Throws when the stream is incomplete.
   * A transformer (`dataFrom`) reads `input`: the pages of the stream it transforms; for any other
   * stream `input` is empty.
   */
  pages(context: StreamContext, input: AsyncIterable<StoredPage>): AsyncIterable<unknown[]>;
  /**
   * Keeps the stream's valid records through the run, for the streams of the source that read them
   * with `earlier()`. Others are let go page by page: the demo backfill's 180,000 check-ins and email
   * activities otherwise stayed on the heap, and in every garbage collection, through the fetch.
   */
  keepRecords?: boolean;
  /**
   * The streams of the source this one needs fetched first (through `earlier()` or the lake). When
   * absent the stream starts after every stream before it; `[]` lets it start with the first, so
   * streams that share nothing overlap their calls (the client still paces them to the API's rate).
   */
  after?: readonly string[];
  /**
   * Makes this stream a transformer of an earlier stream of the source, as dlt's
   * `@dlt.transformer(data_from=…)`: it starts with that stream and receives each of its pages as
   * soon as it is fetched and validated, so its calls overlap that stream's paging instead of
   * following it. The input ends once that stream's records are stored in raw, and throws if that
   * stream failed, so a transformer never completes on part of its input; its own failure does not
   * touch the stream it reads. Excludes `after`.
   */
  dataFrom?: string;
  /**
   * Completeness checks that cross-reference other streams of the source (ids one API names that
   * another must have listed). Runs once every stream of the source has fetched, so `earlier` sees
   * them all; throws an `IncompleteStreamError` for a gap, which fails this stream and keeps its window.
   */
  verify?(context: StreamContext): Promise<void>;
}

export interface SourceDefinition<S = unknown> {
  name: SourceName;
  /** The source's settings, or undefined when it is not configured. */
  settings(config: Config): S | undefined;
  /** Streams in the order they start; later ones may use `earlier()` records (see `after`). */
  streams(settings: S): StreamDefinition<never>[];
}

/** A stream that could not fetch everything it should have (a truncated page, a count mismatch). */
export class IncompleteStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncompleteStreamError';
  }
}

/** Declares a stream with its record type inferred from the schema. */
export function defineStream<S extends z.ZodType>(stream: StreamDefinition<z.infer<S>> & { schema: S }) {
  return stream as unknown as StreamDefinition<never>;
}
