import { viewName } from '../lake/table-names.ts';
import type { Database } from '../sql/database.ts';
import { PARQUET_WRITE_OPTIONS, sqlIdentifier, sqlString } from '../sql/database.ts';
import { newestVersions } from '../sql/raw-versions.ts';

export interface RawRecord {
  recordId: string;
  /** The record exactly as the API returned it. */
  payload: unknown;
}

export const rejectedKey = 'state/rejected_records';

/**
 * Records kept in memory before they go to DuckDB in one insert: a round trip per page, or an
 * appender's value-by-value calls on the main thread, cost seconds of the demo backfill (CPU profiles).
 */
const APPEND_EVERY = 5_000;

/**
 * Inserts a batch as three parameters DuckDB splits on its own threads: the ids as a JSON array, the
 * payloads joined by newlines (`JSON.stringify` escapes every newline inside a string, and puts none
 * between tokens), and the first sequence number. The main thread only joins strings.
 */
const INSERT_BATCH = `
  select unnest(range($first::bigint, $first::bigint + $count::bigint)) as seq,
         unnest(from_json($record_ids, '["VARCHAR"]')) as record_id,
         unnest(string_split($payloads, chr(10))) as payload`;

/**
 * Buffers one stream's records and appends them to its raw table as immutable parts. A record is
 * written only when it is new or its payload changed since the newest stored version, so a run
 * that finds nothing new leaves raw untouched.
 */
export class RawStreamWriter {
  readonly key: string;
  /** Records new or changed, written to raw. */
  written = 0;
  /** Records identical to their newest stored version. */
  unchanged = 0;
  private readonly db: Database;
  private readonly runId: string;
  private readonly incoming: string;
  private readonly flushEvery: number;
  private readonly fetchedAt: string;
  private buffered = 0;
  /** Records not yet inserted into the incoming table: their ids and serialised payloads. */
  private pendingIds: string[] = [];
  private pendingPayloads: string[] = [];
  private seq = 0;
  private parts = 0;
  private created = false;

  /**
   * `fetchedAt` is the run's clock: the time the run started, or in the sandbox the emulators'
   * clock, so what is derived from it (the first time a membership was seen frozen) never lies
   * after the day the sources describe.
   */
  constructor(
    db: Database,
    source: string,
    stream: string,
    runId: string,
    fetchedAt: Date,
    flushEvery = 50_000,
  ) {
    this.db = db;
    this.fetchedAt = fetchedAt.toISOString();
    this.key = `raw/${source}/${stream}`;
    this.runId = runId;
    this.incoming = `incoming_${source}__${stream}`;
    this.flushEvery = flushEvery;
  }

  async add(records: RawRecord[]): Promise<void> {
    for (const r of records) {
      this.pendingIds.push(r.recordId);
      this.pendingPayloads.push(JSON.stringify(r.payload));
    }
    this.buffered += records.length;
    if (this.buffered >= this.flushEvery) await this.flush();
    else if (this.pendingIds.length >= APPEND_EVERY) await this.appendPending();
  }

  /** Writes what is buffered as one part. Called at the end of the stream, also after a failure. */
  async flush(): Promise<void> {
    if (this.buffered === 0) return;
    await this.appendPending();
    const latest = await this.latestVersions();
    const changed = `
      with incoming as (
        select record_id, payload::json as payload, md5(payload) as payload_hash, $fetched_at::timestamptz as fetched_at
        from ${sqlIdentifier(this.incoming)}
        qualify row_number() over (partition by record_id order by seq desc) = 1
      )
      select i.record_id, i.payload, i.payload_hash, i.fetched_at, $run_id as run_id
      from incoming i
      ${latest ? `left join (${latest}) l using (record_id) where l.payload_hash is distinct from i.payload_hash` : ''}`;
    const [counts] = (await this.db.query(
      `select (select count(*) from (${changed}))::int as changed,
              (select count(distinct record_id) from ${sqlIdentifier(this.incoming)})::int as total`,
      { run_id: this.runId, fetched_at: this.fetchedAt },
    )) as [{ changed: number; total: number }];
    if (counts.changed > 0) {
      const part = `${this.runId}-${String(this.parts++).padStart(4, '0')}`;
      await this.db.lake.appendPart(this.key, part, (tmp) =>
        this.db.run(`copy (${changed} order by record_id) to ${sqlString(tmp)} ${PARQUET_WRITE_OPTIONS}`, {
          run_id: this.runId,
          fetched_at: this.fetchedAt,
        }),
      );
      await this.db.refreshViews();
    }
    this.written += counts.changed;
    this.unchanged += counts.total - counts.changed;
    this.buffered = 0;
    await this.db.run(`delete from ${sqlIdentifier(this.incoming)}`);
  }

  private async appendPending(): Promise<void> {
    if (this.pendingIds.length === 0) return;
    if (!this.created) {
      await this.db.run(
        `create or replace table ${sqlIdentifier(this.incoming)} (seq bigint, record_id varchar, payload varchar)`,
      );
      this.created = true;
    }
    const count = this.pendingIds.length;
    const params = {
      first: this.seq,
      count,
      record_ids: JSON.stringify(this.pendingIds),
      payloads: this.pendingPayloads.join('\n'),
    };
    this.seq += count;
    this.pendingIds = [];
    this.pendingPayloads = [];
    await this.db.run(`insert into ${sqlIdentifier(this.incoming)} ${INSERT_BATCH}`, params);
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.created) await this.db.run(`drop table if exists ${sqlIdentifier(this.incoming)}`);
  }

  private async latestVersions(): Promise<string | undefined> {
    if (!(await this.db.lake.table(this.key))) return undefined;
    return newestVersions(
      `select record_id, payload_hash, fetched_at, run_id from ${sqlIdentifier(viewName(this.key))}`,
    );
  }
}

export interface RejectedRecord {
  source: string;
  stream: string;
  recordId: string | null;
  reason: string;
  payload: unknown;
}

/** Appends invalid records, with their reason and raw payload, to `state/rejected_records`. */
export async function writeRejected(
  db: Database,
  runId: string,
  source: string,
  rejected: RejectedRecord[],
): Promise<void> {
  if (rejected.length === 0) return;
  const table = `incoming_rejected_${source}`;
  await db.run(
    `create or replace table ${sqlIdentifier(table)} (run_id varchar, source varchar, stream varchar, record_id varchar, reason varchar, payload varchar, rejected_at varchar)`,
  );
  const now = new Date().toISOString();
  await db.appendRows(
    table,
    rejected.map((r) => [
      runId,
      r.source,
      r.stream,
      r.recordId,
      r.reason,
      JSON.stringify(r.payload) ?? 'null',
      now,
    ]),
  );
  await db.lake.appendPart(rejectedKey, `${runId}-${source}`, (tmp) =>
    db.run(
      `copy (select * replace (rejected_at::timestamptz as rejected_at) from ${sqlIdentifier(table)}) to ${sqlString(tmp)} ${PARQUET_WRITE_OPTIONS}`,
    ),
  );
  await db.run(`drop table ${sqlIdentifier(table)}`);
  await db.refreshViews();
}
