import type { z } from 'zod';
import type { Config, SourceName } from '../config.ts';
import type { Database } from '../sql/database.ts';
import type { RetryOptions } from './retry.ts';

/**
 * How much a daily run asks for: `full` fetches the current state every time (small, mutable
 * collections); `recent` fetches the last `days`, reaching back further when the previous success
 * is older, plus `lookbackDays` to catch late changes (refunds, status updates).
 */
export type WindowPolicy = { kind: 'full' } | { kind: 'recent'; days: number; lookbackDays?: number };

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
  /** Valid records of streams fetched earlier in this run of the same source. */
  earlier(stream: string): readonly unknown[];
  /** Read access to the lake, for streams that refresh only what changed. */
  db: Database;
}

/** One resource of a source, in dlt's sense: a schema, a primary key, a window and a page loop. */
export interface StreamDefinition<T = unknown> {
  name: string;
  /** Validates one record; failures go to the rejected table with the reason. */
  schema: z.ZodType<T>;
  recordId(record: T): string;
  window: WindowPolicy;
  /** Yields the API's records page by page, exactly as returned. Throws when the stream is incomplete. */
  pages(context: StreamContext): AsyncIterable<unknown[]>;
}

export interface SourceDefinition<S = unknown> {
  name: SourceName;
  /** The source's settings, or undefined when it is not configured. */
  settings(config: Config): S | undefined;
  /** Streams in the order they run; later ones may use `earlier()` records. */
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
