import path from 'node:path';
import { type RenderedReport, renderReports } from '../../notebooks/lib/render-reports.ts';
import { formatTable } from '../commands/format.ts';
import { type Config, loadConfig, type SourceName } from '../config.ts';
import { ExitCode } from '../errors.ts';
import { runFetch, type StreamResult } from '../fetch/run-fetch.ts';
import { Lake, type TransferCounts } from '../lake/lake.ts';
import type { ModelOutcome } from '../models/model.ts';
import type { BuiltModel } from '../models/runner.ts';
import { describeOfferMetrics, runOfferMetrics } from '../offers/run-offers.ts';
import {
  errorFailures,
  formatHeadline,
  formatResults,
  headlineMetrics,
  loadChecks,
  runChecks,
  storeResults,
} from '../quality/checks.ts';
import { loadSources } from '../sources/registry.ts';
import { Database } from '../sql/database.ts';
import { buildTimeline } from '../timeline/build-timeline.ts';
import { acquireLock } from './lock.ts';
import { openRunner } from './model-graph.ts';
import { publish, snapshotName } from './publish.ts';
import { type RunRecord, recordRun, type StepRecord } from './run-log.ts';
import { type StageResult, stage } from './stage.ts';

export interface DailyOptions {
  /** The settings; read from the environment when absent. */
  config?: Config;
  /** What stands for now (a sandbox's clock); the real time when absent. */
  clock?: Date;
  only?: SourceName[];
  since?: Date;
  /** The date rules and checks are evaluated at; the clock's when absent. */
  asOf?: Date;
  fetch: boolean;
  /** Refit the churn model although this month's fit exists. */
  retrain?: boolean;
  /** Re-fit the identity model although the stored one still serves. */
  full?: boolean;
  /** The command line's options, kept in the run log. */
  commandLine: string;
  log?: (line: string) => void;
}

/**
 * The daily refresh. One run at a time per lake (a lock); everything it writes stays unpublished
 * until the publish step makes it current in one step, so a run that dies at any point leaves the
 * lake as the last complete run left it. Returns the exit code: 0 ok, 1 when a step, a stream or an
 * error-severity quality check failed (configuration errors throw, exiting 2).
 */
export async function runDaily(options: DailyOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const runId = newRunId();
  const config = options.config ?? loadConfig();
  for (const notice of config.notices) log(notice);
  const lake = new Lake(config.lake);
  try {
    const lock = await acquireLock(lake.root, { runId });
    try {
      if (lock.replaced)
        log(
          `took over the stale lock of run ${lock.replaced.run_id} (pid ${lock.replaced.pid}): that run did not finish`,
        );
      return await runSteps(options, {
        config,
        lake,
        runId,
        log,
        ...(options.clock ? { clock: options.clock } : {}),
      });
    } finally {
      await lock.release();
    }
  } finally {
    lake.close();
  }
}

interface RunContext {
  config: Config;
  lake: Lake;
  runId: string;
  log: (line: string) => void;
  /** What stands for now (a sandbox's clock). */
  clock?: Date;
}

interface StepCounts {
  records?: number;
  rejected?: number;
}

async function runSteps(
  options: DailyOptions,
  { config, lake, runId, log, clock }: RunContext,
): Promise<number> {
  const steps: StepRecord[] = [];
  const timed = async <T>(
    step: string,
    work: () => Promise<T>,
    detail: (result: T) => string,
    counts?: (result: T) => StepCounts,
  ): Promise<T> => {
    const started = Date.now();
    log(`▸ ${step}`);
    const result = await work();
    const counted = counts?.(result) ?? {};
    steps.push({
      name: step,
      seconds: (Date.now() - started) / 1000,
      records: counted.records ?? null,
      rejected: counted.rejected ?? null,
      detail: detail(result),
    });
    return result;
  };

  const run: RunRecord = {
    runId,
    startedAt: new Date(),
    finishedAt: null,
    status: 'running',
    error: null,
    steps,
    options: options.commandLine,
  };
  // The sources' modules (their SDKs take seconds to compile) load while the lake syncs and the
  // database opens; a failure to load surfaces where the fetch awaits them.
  const sourcesLoading = options.fetch ? loadSources() : undefined;
  sourcesLoading?.catch(() => undefined);
  await timed(
    'sync',
    () => lake.sync(),
    (r) => (lake.remote ? `${r.downloaded} downloaded` : 'local lake'),
    (r) => ({ records: r.downloaded }),
  );
  const db = await Database.open(lake, { timeZone: config.timeZone });
  let begun = false;
  try {
    await recordRun(db, run);
    await lake.begin(runId);
    begun = true;
    let streams: StreamResult[] = [];
    if (sourcesLoading) {
      const sources = await sourcesLoading;
      streams = await timed(
        'fetch',
        () =>
          runFetch(db, config, sources, {
            runId,
            ...(options.only ? { only: options.only } : {}),
            ...(options.since ? { since: options.since } : {}),
            ...(clock ? { now: clock } : {}),
            log: (line) => console.error(line),
          }),
        (r) => `${r.reduce((n, s) => n + s.written, 0)} new or changed records`,
        (r) => ({
          records: r.reduce((n, s) => n + s.written, 0),
          rejected: r.reduce((n, s) => n + s.rejected, 0),
        }),
      );
    }
    const staged = await timed(
      'stage',
      () => stage(db, { time_zone: config.timeZone }),
      describeStaging,
      (r) => ({
        records: r.models.reduce((n, m) => n + m.rows, 0),
        rejected: r.unparsedDates.reduce((n, u) => n + u.count, 0),
      }),
    );

    const asOf = options.asOf ?? clock ?? new Date();
    const now = clock ?? new Date();
    const runner = await openRunner(db, {
      vars: {
        time_zone: config.timeZone,
        window_days: config.offerWindowDays,
        retrain_churn: options.retrain ?? false,
        full_identity: options.full ?? false,
      },
      config,
      asOf,
      now,
    });
    // A TypeScript model of the graph, as one step: its outcome is the step's summary.
    const stepFailures: string[] = [];
    const step = async (id: string) => {
      const [built] = await runner.build(runner.graph.select((m) => m.id === id));
      if (built!.outcome!.failure) stepFailures.push(`FAILED ${id}: ${built!.outcome!.failure}`);
      return built!.outcome!;
    };
    const outcome = (r: ModelOutcome) => r.detail;
    const counted = (r: ModelOutcome) => ({
      ...(r.records !== undefined ? { records: r.records } : {}),
      ...(r.rejected !== undefined ? { rejected: r.rejected } : {}),
    });
    await timed('resolve', () => step('resolve'), outcome, counted);
    // Before the timeline, so email_sent events carry each template's offer.
    await timed('analyse', () => step('analyse'), outcome, counted);
    const timeline = await timed(
      'events',
      () => buildTimeline(db, { timeZone: config.timeZone }),
      (r) => `${r.events} events, ${r.attached} attached, ${r.rejected} rejected`,
      (r) => ({ records: r.events, rejected: r.rejected }),
    );
    await timed('offers', () => runOfferMetrics(db, config), describeOfferMetrics);
    await timed('churn', () => step('churn'), outcome, counted);
    await timed('rules', () => step('rules'), outcome, counted);
    await timed('audiences', () => step('audiences'), outcome, counted);
    const checks = await timed(
      'quality',
      async () => {
        const results = await runChecks(db, await loadChecks(), {
          asOf: localDate(asOf, config.timeZone),
          now,
          timeZone: config.timeZone,
        });
        await storeResults(db, runId, now, results);
        return results;
      },
      (r) =>
        `${r.filter((c) => c.status === 'pass').length} of ${r.length} checks pass, ${errorFailures(r).length} errors`,
      (r) => ({ records: r.length, rejected: r.filter((c) => c.status === 'fail').length }),
    );
    const headline = await headlineMetrics(db);
    const snapshot = await timed(
      'publish',
      async () => {
        // Its row goes out with its tables: a run killed after this is logged as having published.
        await recordRun(db, { ...run, status: 'published' });
        return publish(lake, db, snapshotName(now, config.timeZone));
      },
      (r) =>
        `${lake.remote ? `${lake.describe()}: ` : ''}published${r.snapshot ? `; snapshot ${r.snapshot} (${r.tables} tables)` : ''}`,
    );

    // After publishing, under the run's lock; a failed sync is reported, never a failed publish.
    const sync = config.syncMailchimp
      ? await timed(
          'sync mailchimp',
          () => syncAfterPublish(db, config, now, runId),
          (r) => r.detail,
          (r) => ({ records: r.sent, rejected: r.failed }),
        )
      : undefined;

    // After publishing, so the pages show the set readers now see.
    const reports: RenderedReport[] = await timed(
      'reports',
      () =>
        renderReports(db, {
          outDir: path.join('data', 'reports'),
          timeZone: config.timeZone,
          asOf: localDate(asOf, config.timeZone),
          // Its row still says running: the data-quality page shows this run's steps instead.
          currentRun: { runId, startedAt: run.startedAt, steps },
        }),
      (r) => `${r.filter((x) => !x.error).length} of ${r.length} reports in data/reports`,
    );

    if (streams.length > 0) log(`\n${formatStreams(streams)}`);
    const split = Object.entries(timeline.byConfidence)
      .map(([tier, n]) => `${tier} ${n}`)
      .join(', ');
    log(`events by confidence: ${split}`);
    for (const u of staged.unparsedDates) log(`unparseable dates: ${u.table}.${u.column}: ${u.count} rows`);
    log(`\nquality checks:\n${formatResults(checks)}`);
    if (headline) log(`\n${formatHeadline(headline).join('\n')}`);

    const failures = [
      ...stepFailures,
      ...streams
        .filter((s) => s.status === 'failed')
        .map((f) => `FAILED ${f.source}/${f.stream}: ${f.error}`),
      ...errorFailures(checks).map(
        (c) => `FAILED quality check ${c.check_name}: ${c.failing_rows ?? 'its query failed'}`,
      ),
      ...(snapshot.error ? [`FAILED snapshot ${snapshot.snapshot}: ${snapshot.error}`] : []),
      ...reports.filter((r) => r.error).map((r) => `FAILED report ${r.file}: ${r.error}`),
    ];
    if (sync?.failed) log(`mailchimp sync: ${sync.detail} (not a failure of the run: the next sync retries)`);
    run.status = failures.length > 0 ? 'failed' : 'ok';
    run.error = failures.length > 0 ? failures.join('; ') : null;
    run.finishedAt = new Date();
    await recordRun(db, run);
    log(`\n${formatSummary(steps)}`);
    if (lake.remote) log(describeTransfers(lake.transfers));
    for (const failure of failures) log(failure);
    log(
      `run ${runId}: ${run.status} in ${((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1)} s`,
    );
    return failures.length > 0 ? ExitCode.failure : ExitCode.ok;
  } catch (error) {
    // Unless it failed after publishing, nothing of this run is published; the run log says why.
    const published = begun && !lake.inTransaction;
    if (lake.inTransaction) lake.rollback();
    run.status = 'failed';
    run.error = (error as Error)?.message ?? String(error);
    run.finishedAt = new Date();
    await db.refreshViews();
    await recordRun(db, run).catch((logError: unknown) =>
      log(`could not write the run log: ${(logError as Error).message}`),
    );
    log(`\n${formatSummary(steps)}`);
    log(
      `run ${runId}: failed; ${published ? 'its tables were published' : 'none of its tables were published'}`,
    );
    throw error;
  } finally {
    db.close();
  }
}

/** What the run moved to and from S3: the objects it needed, and the rewrites it did not upload. */
function describeTransfers(t: TransferCounts): string {
  return `S3 objects: ${t.downloaded} downloaded, ${t.uploaded} uploaded; ${t.unchanged} rewritten tables unchanged, not uploaded`;
}

/** The audiences' Mailchimp sync as a step: its counts, or its error, never a thrown failure. */
async function syncAfterPublish(
  db: Database,
  config: Config,
  now: Date,
  runId: string,
): Promise<{ detail: string; sent: number; failed: number }> {
  const settings = config.sources.mailchimp;
  if (!settings) return { detail: 'skipped: Mailchimp is not configured', sent: 0, failed: 0 };
  try {
    const { syncAudiences } = await import('../audiences/sync.ts');
    const r = await syncAudiences(db, { settings, apply: true, now, syncId: `sync-${runId}` });
    const sent = r.audiences.reduce((n, a) => n + a.sent, 0);
    const failed = r.audiences.reduce((n, a) => n + a.failed, 0);
    return {
      detail: `${r.mode}: ${sent} tag changes sent, ${failed} failed, ${r.apiCalls} API calls`,
      sent,
      failed,
    };
  } catch (error) {
    return { detail: `sync failed: ${(error as Error).message}`, sent: 0, failed: 1 };
  }
}

/** How many staging tables merged new raw parts (or recomputed keys), were built whole or had nothing new. */
function describeStaging(r: StageResult): string {
  const incremental = r.models.filter((m) => m.rawParts !== undefined || m.keys !== undefined);
  const count = (mode: string) => incremental.filter((m) => m.mode === mode).length;
  const sum = (of: (m: BuiltModel) => number | undefined) =>
    incremental.reduce((n, m) => n + (of(m) ?? 0), 0);
  return (
    `${r.models.length} tables; incremental: ${count('incremental')} merged, ${count('full')} built whole, ` +
    `${count('unchanged')} unchanged (${sum((m) => m.rawParts)} raw parts parsed; ` +
    `${sum((m) => m.partsRewritten)} staging parts rewritten, ${sum((m) => m.partsFolded)} folded; ` +
    `${sum((m) => m.rowsDeleted).toLocaleString('en-US')} rows deleted in older parts; ` +
    `${sum((m) => m.keys).toLocaleString('en-US')} keys recomputed)`
  );
}

function formatSummary(steps: StepRecord[]): string {
  return formatTable(
    steps.map((t) => ({
      step: t.name,
      seconds: t.seconds.toFixed(1),
      records: t.records ?? '',
      rejected: t.rejected ?? '',
      result: t.detail,
    })),
  );
}

function formatStreams(streams: StreamResult[]): string {
  return formatTable(
    streams.map((s) => ({
      stream: `${s.source}/${s.stream}`,
      status: s.status,
      since: s.since ? s.since.toISOString().slice(0, 10) : 'all',
      pages: s.pages,
      fetched: s.fetched,
      'new/changed': s.written,
      rejected: s.rejected,
      lagging: s.warnings.length,
      seconds: s.seconds.toFixed(1),
    })),
  );
}

function localDate(instant: Date, timeZone: string): string {
  return instant.toLocaleDateString('en-CA', { timeZone });
}

function newRunId(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..+$/, 'Z');
}
