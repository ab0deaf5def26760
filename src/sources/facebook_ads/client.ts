import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamContext } from '../../fetch/source.ts';
import { graphGet, graphUrl } from '../meta-graph.ts';
import type { FacebookAdsSettings } from './config.ts';
import {
  businessUseCaseUsageSchema,
  insightsThrottleSchema,
  pageSchema,
  reportRunSchema,
  reportRunStartedSchema,
} from './schemas.ts';

/** Ranges longer than this go through an asynchronous report run; Meta advises it for large ad-level reads. */
const ASYNC_FROM_DAYS = 7;
/** Polls of a report run start quick and slow down, up to this. */
const MAX_POLL_MS = 5_000;
const FIRST_POLL_MS = 200;
/** A report run that has not finished after this many polls is given up (about half an hour). */
const MAX_POLLS = 400;
/** Above this share of a quota (percent), the next call waits, so the account is not blocked. */
const SLOW_DOWN_AT_PCT = 90;
/** How long to wait per point over SLOW_DOWN_AT_PCT when Meta gives no time to regain access. */
const WAIT_PER_PCT_MS = 200;

export interface InsightsRequest {
  level: 'ad' | 'campaign';
  fields: readonly string[];
  /** Gym-local days, inclusive. */
  since: string;
  until: string;
}

/**
 * The Marketing API calls of one run: edges paged by cursor, insights synchronous for short ranges and
 * through a report run (POST, poll `async_status`, page the result) for long ones, and the throttle
 * headers read on every answer so calls slow down before Meta blocks the account.
 */
export class AdsClient {
  private waitUntil = 0;
  private warned = false;

  constructor(
    private readonly settings: FacebookAdsSettings,
    private readonly context: StreamContext,
  ) {}

  get account(): string {
    return `act_${this.settings.accountId}`;
  }

  /** Every record of an edge such as `act_1/campaigns`, page by page. */
  async *edge(path: string, params: Record<string, string>): AsyncGenerator<unknown[]> {
    let next: string | undefined = graphUrl(this.settings, path, { limit: '100', ...params });
    while (next) {
      const page = pageSchema.parse(await this.call(next));
      yield page.data;
      next = page.data.length > 0 ? page.paging?.next : undefined;
    }
  }

  /** Daily insights (`time_increment=1`) for the account at one level. */
  async *insights(request: InsightsRequest): AsyncGenerator<unknown[]> {
    const params = {
      level: request.level,
      time_increment: '1',
      fields: request.fields.join(','),
      time_range: JSON.stringify({ since: request.since, until: request.until }),
    };
    if (daysBetween(request.since, request.until) < ASYNC_FROM_DAYS) {
      yield* this.edge(`${this.account}/insights`, params);
      return;
    }
    const started = reportRunStartedSchema.parse(
      await this.call(graphUrl(this.settings, `${this.account}/insights`, params), 'POST'),
    );
    await this.awaitReportRun(started.report_run_id);
    yield* this.edge(`${started.report_run_id}/insights`, {});
  }

  private async awaitReportRun(id: string): Promise<void> {
    let delay = FIRST_POLL_MS;
    for (let poll = 0; poll < MAX_POLLS; poll += 1) {
      const run = reportRunSchema.parse(await this.call(graphUrl(this.settings, id)));
      if (run.async_status === 'Job Completed' && run.async_percent_completion === 100) return;
      if (run.async_status === 'Job Failed' || run.async_status === 'Job Skipped') {
        throw new Error(`insights report run ${id} ended as "${run.async_status}"; the next run asks again`);
      }
      await sleep(delay);
      delay = Math.min(MAX_POLL_MS, delay * 2);
    }
    throw new Error(`insights report run ${id} did not complete after ${MAX_POLLS} polls`);
  }

  private async call(url: string, method: 'GET' | 'POST' = 'GET'): Promise<unknown> {
    const wait = this.waitUntil - Date.now();
    if (wait > 0) await sleep(wait);
    return graphGet(url, this.settings, this.context, {
      method,
      onHeaders: (headers) => this.readThrottle(headers),
    });
  }

  /** Reads `x-fb-ads-insights-throttle` and `x-business-use-case-usage`; a quota near full delays the next call. */
  private readThrottle(headers: Headers): void {
    const used: number[] = [];
    let regainMinutes = 0;
    const insights = parseHeader(headers.get('x-fb-ads-insights-throttle'), insightsThrottleSchema);
    if (insights) used.push(insights.app_id_util_pct ?? 0, insights.acc_id_util_pct ?? 0);
    const usage = parseHeader(headers.get('x-business-use-case-usage'), businessUseCaseUsageSchema);
    for (const entries of Object.values(usage ?? {})) {
      for (const entry of entries) {
        used.push(entry.call_count ?? 0, entry.total_cputime ?? 0, entry.total_time ?? 0);
        regainMinutes = Math.max(regainMinutes, entry.estimated_time_to_regain_access ?? 0);
      }
    }
    const highest = Math.max(0, ...used);
    if (highest < SLOW_DOWN_AT_PCT && regainMinutes === 0) return;
    const waitMs =
      regainMinutes > 0 ? regainMinutes * 60_000 : (highest - SLOW_DOWN_AT_PCT + 1) * WAIT_PER_PCT_MS;
    this.waitUntil = Math.max(this.waitUntil, Date.now() + waitMs);
    if (!this.warned) {
      this.warned = true;
      this.context.warn(`Meta reports ${highest}% of an ads quota used: calls slowed down by ${waitMs} ms`);
    }
  }
}

function parseHeader<T>(
  value: string | null,
  schema: { safeParse(v: unknown): { data?: T } },
): T | undefined {
  if (!value) return undefined;
  try {
    return schema.safeParse(JSON.parse(value)).data;
  } catch {
    return undefined;
  }
}

function daysBetween(since: string, until: string): number {
  return (Date.parse(until) - Date.parse(since)) / 86_400_000;
}
