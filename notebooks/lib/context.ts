import { CliError, ExitCode } from '../../src/errors.ts';
import { streamFreshness } from '../../src/models/sources.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import type { StepRecord } from '../../src/pipeline/run-log.ts';
import type { Database, Row } from '../../src/sql/database.ts';
import { isoDate } from './format.ts';

/** What every report is rendered against. */
export interface ReportContext {
  db: Database;
  /**
   * The first day whose data is not complete (the refresh day): weeks, months and windows count only
   * when they end before it. Data is complete through the day before.
   */
  asOf: string;
  /** The last fetch, over every raw stream; null when nothing was fetched. */
  refreshedAt: Date | null;
  timeZone: string;
  /** Days a conversion has to happen in (funnels, offers). */
  windowDays: number;
  freshness: SourceFreshness[];
  /** The daily run rendering the reports, when one is: its row in `daily_runs` still says `running`. */
  currentRun?: CurrentRun;
}

/** The run in progress: its id, start, and the steps it has finished so far. */
export interface CurrentRun {
  runId: string;
  startedAt: Date;
  steps: readonly StepRecord[];
}

export interface SourceFreshness {
  source: string;
  streams: number;
  records: number;
  lastFetchedAt: Date | null;
  /** The newest end of a fetch window: how far the source's data reaches. */
  dataUntil: Date | null;
}

export interface ContextOptions {
  /** `YYYY-MM-DD`; default: the newest day with check-ins or sales (taken as not yet complete). */
  asOf?: string;
  timeZone: string;
  windowDays?: number;
  currentRun?: CurrentRun;
}

export async function createContext(db: Database, options: ContextOptions): Promise<ReportContext> {
  const freshness = await sourceFreshness(db);
  const fetched = freshness.map((f) => f.lastFetchedAt).filter((d): d is Date => d !== null);
  return {
    db,
    asOf: options.asOf ?? (await newestActivityDay(db)),
    refreshedAt: fetched.length > 0 ? new Date(Math.max(...fetched.map((d) => d.getTime()))) : null,
    timeZone: options.timeZone,
    windowDays: options.windowDays ?? 30,
    freshness,
    ...(options.currentRun ? { currentRun: options.currentRun } : {}),
  };
}

export async function hasTable(db: Database, view: string): Promise<boolean> {
  const rows = await db.query('select 1 from information_schema.tables where table_name = $name', {
    name: view,
  });
  return rows.length > 0;
}

/**
 * Runs the query model `queries/metrics/reports/<name>.sql` with the context's dates, giving it only
 * what it uses. Reports are query models (read, not materialised) because they take the report's
 * dates as parameters; the metrics tables the pipeline builds are the files directly in `metrics/`.
 */
export async function metric(ctx: ReportContext, name: string): Promise<Row[]> {
  const runner = await openRunner(ctx.db, {
    vars: { as_of: ctx.asOf, window_days: ctx.windowDays, time_zone: ctx.timeZone },
  });
  return runner.rows(`metrics/reports/${name}`);
}

const noActivity = 'the lake has no sales or check-ins yet: run the daily refresh first (or pass --sandbox)';

async function newestActivityDay(db: Database): Promise<string> {
  const parts: string[] = [];
  if (await hasTable(db, 'transactions')) parts.push('select max(local_date) as d from transactions');
  if (await hasTable(db, 'customer_events'))
    parts.push("select max(event_local_date) as d from customer_events where event_type = 'checkin'");
  if (parts.length === 0) throw new CliError(noActivity, ExitCode.failure);
  const [row] = await db.query(`select max(d) as d from (${parts.join(' union all ')})`);
  if (!row?.d) throw new CliError(noActivity, ExitCode.failure);
  return isoDate(row.d);
}

/** Per source: its raw streams, records, last fetch (raw `fetched_at`) and how far its windows reach. */
export async function sourceFreshness(db: Database): Promise<SourceFreshness[]> {
  const bySource = new Map<string, SourceFreshness>();
  for (const stream of await streamFreshness(db)) {
    const entry = bySource.get(stream.source) ?? {
      source: stream.source,
      streams: 0,
      records: 0,
      lastFetchedAt: null,
      dataUntil: null,
    };
    entry.streams += 1;
    entry.records += stream.records;
    const fetched = stream.lastFetchedAt;
    if (fetched && (!entry.lastFetchedAt || fetched > entry.lastFetchedAt)) entry.lastFetchedAt = fetched;
    bySource.set(stream.source, entry);
  }
  if (await hasTable(db, 'fetch_state')) {
    for (const row of await db.query(
      'select source, max(window_until) as until from fetch_state group by source',
    )) {
      const entry = bySource.get(String(row.source));
      if (entry && row.until instanceof Date) entry.dataUntil = row.until;
    }
  }
  return [...bySource.values()].sort((a, b) => a.source.localeCompare(b.source));
}
