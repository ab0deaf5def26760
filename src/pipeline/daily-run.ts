import path from 'node:path';
import { type RenderedReport, renderReports } from '../../notebooks/lib/render-reports.ts';
import { formatTable } from '../commands/format.ts';
import { type Config, loadConfig, type SourceName } from '../config.ts';
import { ExitCode } from '../errors.ts';
import { runFetch, type StreamResult } from '../fetch/run-fetch.ts';
import { createInputTable } from '../identity/input.ts';
import { resolveIdentities } from '../identity/resolve.ts';
import { lakeStore } from '../identity/store.ts';
import { Lake } from '../lake/lake.ts';
import {
  describeContentRun,
  describeOfferMetrics,
  runContentAnalysis,
  runOfferMetrics,
} from '../offers/run-offers.ts';
import { loadRulesConfig } from '../rules/config.ts';
import { discoverRules } from '../rules/discover.ts';
import { runRules } from '../rules/run-rules.ts';
import { loadSources } from '../sources/registry.ts';
import { Database } from '../sql/database.ts';
import { buildTimeline } from '../timeline/build-timeline.ts';
import { stage } from './stage.ts';

export interface DailyOptions {
  sandbox: boolean;
  only?: SourceName[];
  since?: Date;
  /** In the sandbox, the emulators' clock; elsewhere the date rules are evaluated at (later issues). */
  asOf?: Date;
  fetch: boolean;
  log?: (line: string) => void;
}

interface StepTiming {
  step: string;
  seconds: number;
  detail: string;
}

/** The daily refresh. Returns the exit code: 0 ok, 1 when any step or stream failed. */
export async function runDaily(options: DailyOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const sandbox = options.sandbox ? await startSandbox(options.asOf) : undefined;
  try {
    const config = sandbox ? sandbox.config : loadConfig();
    for (const notice of config.notices) log(notice);
    const lake = new Lake(config.lake);
    const timings: StepTiming[] = [];
    const timed = async <T>(
      step: string,
      work: () => Promise<T>,
      detail: (result: T) => string,
    ): Promise<T> => {
      const started = Date.now();
      log(`▸ ${step}`);
      const result = await work();
      timings.push({ step, seconds: (Date.now() - started) / 1000, detail: detail(result) });
      return result;
    };

    await timed(
      'sync',
      () => lake.sync(),
      (r) => (lake.remote ? `${r.downloaded} downloaded` : 'local lake'),
    );
    const db = await Database.open(lake, { timeZone: config.timeZone });
    let streams: StreamResult[] = [];
    let reports: RenderedReport[] = [];
    try {
      const sources = await loadSources();
      if (options.fetch) {
        streams = await timed(
          'fetch',
          () =>
            runFetch(db, config, sources, {
              runId: runId(),
              ...(options.only ? { only: options.only } : {}),
              ...(options.since ? { since: options.since } : {}),
              ...(sandbox ? { now: sandbox.clock } : {}),
              log: (line) => console.error(line),
            }),
          (r) => `${r.reduce((n, s) => n + s.written, 0)} new or changed records`,
        );
      }
      const staged = await timed(
        'stage',
        () => stage(db, { time_zone: config.timeZone }),
        (r) => `${r.models.length} tables`,
      );

      const asOf = options.asOf ?? sandbox?.clock ?? new Date();
      const now = sandbox?.clock ?? new Date();
      await timed(
        'resolve',
        async () => {
          await createInputTable(db, 'select * from stg_identity_records', undefined, 'stg_identity_records');
          return resolveIdentities(db, lakeStore(db), { asOf, now });
        },
        (r) => `${r.records} records → ${r.customers} customers in ${r.households} households`,
      );
      // Before the timeline, so email_sent events carry each template's offer.
      await timed('analyse', () => runContentAnalysis(db, config), describeContentRun);
      const timeline = await timed(
        'events',
        () => buildTimeline(db, { timeZone: config.timeZone }),
        (r) => `${r.events} events, ${r.attached} attached, ${r.rejected} rejected`,
      );
      await timed('offers', () => runOfferMetrics(db, config), describeOfferMetrics);
      await timed(
        'rules',
        async () => {
          const rules = await discoverRules();
          return runRules(db, {
            asOf: localDate(asOf, config.timeZone),
            now,
            config: await loadRulesConfig(rules),
          });
        },
        (r) => `${r.openFlags} open flags, ${r.systemEvents} system events`,
      );
      reports = await timed(
        'reports',
        () =>
          renderReports(db, {
            outDir: path.join('data', 'reports'),
            timeZone: config.timeZone,
            asOf: localDate(asOf, config.timeZone),
          }),
        (r) => `${r.filter((x) => !x.error).length} of ${r.length} reports in data/reports`,
      );

      if (streams.length > 0) log(`\n${formatStreams(streams)}`);
      const split = Object.entries(timeline.byConfidence)
        .map(([tier, n]) => `${tier} ${n}`)
        .join(', ');
      log(`events by confidence: ${split}`);
      for (const u of staged.unparsedDates) log(`unparseable dates: ${u.table}.${u.column}: ${u.count} rows`);
      log(
        `\n${formatTable(timings.map((t) => ({ step: t.step, seconds: t.seconds.toFixed(1), result: t.detail })))}`,
      );
      log('Still to come with their issues: quality checks, publish.');
    } finally {
      db.close();
      lake.close();
    }
    const failed = streams.filter((s) => s.status === 'failed');
    for (const f of failed) log(`FAILED ${f.source}/${f.stream}: ${f.error}`);
    const failedReports = reports.filter((r) => r.error);
    for (const r of failedReports) log(`FAILED report ${r.file}: ${r.error}`);
    return failed.length > 0 || failedReports.length > 0 ? ExitCode.failure : ExitCode.ok;
  } finally {
    await sandbox?.close();
  }
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
      seconds: s.seconds.toFixed(1),
    })),
  );
}

function localDate(instant: Date, timeZone: string): string {
  return instant.toLocaleDateString('en-CA', { timeZone });
}

function runId(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..+$/, 'Z');
}

interface Sandbox {
  config: Config;
  clock: Date;
  close(): Promise<void>;
}

/** The demo gym behind local emulators, with a lake of its own under `data/sandbox`. */
async function startSandbox(asOf: Date | undefined): Promise<Sandbox> {
  const { generateGym } = await import('../sandbox/generate.ts');
  const { consecutivePorts, defaultSandboxPort, startEmulators } = await import(
    '../sandbox/emulators/index.ts'
  );
  const gym = generateGym({});
  const clock = asOf ?? gym.asOf;
  const running = await startEmulators(gym, { clock, ports: consecutivePorts(defaultSandboxPort) });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...running.env,
    BASIN_LAKE_URL: path.join('data', 'sandbox'),
  };
  return { config: loadConfig({ env }), clock, close: () => running.close() };
}
