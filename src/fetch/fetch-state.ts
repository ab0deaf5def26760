import type { Database } from '../sql/database.ts';
import { sqlIdentifier } from '../sql/database.ts';

export const fetchStateKey = 'state/fetch_state';

/** What the lake remembers of a stream between runs (the cursor is the last complete window's end). */
export interface StreamState {
  source: string;
  stream: string;
  lastSuccessAt: Date;
  windowSince: Date | null;
  windowUntil: Date;
  runId: string;
  records: number;
}

export async function readFetchState(db: Database): Promise<Map<string, StreamState>> {
  const state = new Map<string, StreamState>();
  if (!(await db.lake.table(fetchStateKey))) return state;
  const rows = await db.query(
    `select source, stream, last_success_at, window_since, window_until, run_id, records from ${sqlIdentifier('fetch_state')}`,
  );
  for (const row of rows) {
    const s: StreamState = {
      source: String(row.source),
      stream: String(row.stream),
      lastSuccessAt: row.last_success_at as Date,
      windowSince: (row.window_since as Date | null) ?? null,
      windowUntil: row.window_until as Date,
      runId: String(row.run_id),
      records: Number(row.records),
    };
    state.set(stateKey(s.source, s.stream), s);
  }
  return state;
}

export async function writeFetchState(db: Database, state: Map<string, StreamState>): Promise<void> {
  const rows = [...state.values()].sort((a, b) =>
    stateKey(a.source, a.stream).localeCompare(stateKey(b.source, b.stream)),
  );
  await db.run(
    'create or replace table incoming_fetch_state (source varchar, stream varchar, last_success_at varchar, window_since varchar, window_until varchar, run_id varchar, records varchar)',
  );
  await db.appendRows(
    'incoming_fetch_state',
    rows.map((s) => [
      s.source,
      s.stream,
      s.lastSuccessAt.toISOString(),
      s.windowSince?.toISOString() ?? null,
      s.windowUntil.toISOString(),
      s.runId,
      String(s.records),
    ]),
  );
  await db.writeSelect(
    fetchStateKey,
    `select source, stream, last_success_at::timestamptz as last_success_at, window_since::timestamptz as window_since,
            window_until::timestamptz as window_until, run_id, records::bigint as records
     from incoming_fetch_state order by source, stream`,
  );
  await db.run('drop table incoming_fetch_state');
}

export function stateKey(source: string, stream: string): string {
  return `${source}/${stream}`;
}
