import type { SandboxDataset } from '../dataset.ts';
import { Rng } from '../generator/prng.ts';
import type { EmulatorRequest, EmulatorResponse, Route } from './http-emulator.ts';
import { graphError, versioned } from './instagram.ts';

/** The sandbox gym's ad account (Graph paths write it `act_…`). */
export const SANDBOX_AD_ACCOUNT_ID = '120200000000001';
const ACT = `act_${SANDBOX_AD_ACCOUNT_ID}`;
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 500;
/** Ads run this many days before their promo code's first redemption. */
const LEAD_DAYS = 14;
/** Meta restates the last days: a day this young shows a share of its final figures. */
const RESTATED_DAYS = 3;

export interface SandboxAdDay {
  ad_id: string;
  day: string;
  spend_cents: number;
  impressions: number;
  reach: number;
  clicks: number;
  inline_link_clicks: number;
  /** What Meta's own attribution reports (view-through included), not the truth below. */
  reported_purchases: number;
  reported_value_cents: number;
}

/** Ground truth: a sale whose promo code was an ad's; the sale came from that ad. */
export interface AdSaleTruth {
  ad_id: string;
  campaign_id: string;
  code: string;
  source: 'stripe' | 'square';
  payment_id: string;
  person_id: string;
  /** What the sale took (after the code's discount). */
  amount_cents: number;
  day: string;
  /** Where a real system keeps the code: only a Square order discount is readable through an API. */
  code_recorded_in: 'square_order_discount' | 'capitan';
}

export interface SandboxAds {
  campaigns: { id: string; name: string; status: string; objective: string; created_time: string }[];
  adsets: { id: string; name: string; status: string; campaign_id: string }[];
  ads: {
    id: string;
    name: string;
    status: string;
    adset_id: string;
    campaign_id: string;
    code: string;
    creative: { id: string; title: string; body: string };
  }[];
  days: SandboxAdDay[];
  sales: AdSaleTruth[];
}

const built = new WeakMap<SandboxDataset, SandboxAds>();

/**
 * The gym's Meta campaigns, derived from its promo-code redemptions: each code the gym handed out runs
 * as one campaign with a feed ad and a story ad carrying the code in their copy, from two weeks before
 * its first redemption to its last. A redemption belongs to one of the two ads (the truth); the ads'
 * daily spend is deterministic, and Meta's reported purchases add view-through conversions to it.
 */
export function sandboxAds(dataset: SandboxDataset): SandboxAds {
  const cached = built.get(dataset);
  if (cached) return cached;
  const localDay = (ms: number) =>
    new Intl.DateTimeFormat('en-CA', { timeZone: dataset.timeZone }).format(ms);
  const paid = new Map<string, { at: number; cents: number }>();
  for (const p of dataset.stripe.paymentIntents(dataset.horizon))
    paid.set(p.id, { at: p.created * 1000, cents: p.amount_received });
  for (const p of dataset.square.payments(dataset.horizon))
    paid.set(p.id, { at: Date.parse(p.created_at), cents: p.amount_money.amount });

  const byCode = new Map<string, Omit<AdSaleTruth, 'ad_id' | 'campaign_id' | 'code'>[]>();
  for (const r of dataset.truth.redemptions) {
    const payment = paid.get(r.payment_id);
    if (payment === undefined || payment.at > dataset.asOf.getTime()) continue;
    const list = byCode.get(r.code) ?? [];
    list.push({
      source: r.source,
      payment_id: r.payment_id,
      person_id: r.person_id,
      amount_cents: payment.cents,
      day: localDay(payment.at),
      code_recorded_in: r.code_recorded_in,
    });
    byCode.set(r.code, list);
  }

  const ads: SandboxAds = { campaigns: [], adsets: [], ads: [], days: [], sales: [] };
  const codes = [...byCode.keys()].sort();
  codes.forEach((code, i) => {
    const sales = byCode.get(code)!.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    const campaignId = String(120210000000000 + i * 10);
    const adsetId = String(120220000000000 + i * 10);
    const first = addDays(sales[0]!.day, -LEAD_DAYS);
    const last = sales.at(-1)!.day;
    ads.campaigns.push({
      id: campaignId,
      name: `Promo ${code}`,
      status: last < localDay(dataset.asOf.getTime()) ? 'PAUSED' : 'ACTIVE',
      objective: 'OUTCOME_SALES',
      created_time: `${first}T09:00:00-0600`,
    });
    ads.adsets.push({
      id: adsetId,
      name: `Promo ${code}: local climbers`,
      status: 'ACTIVE',
      campaign_id: campaignId,
    });
    const pair = (['feed', 'story'] as const).map((placement, k) => ({
      id: String(120230000000000 + i * 10 + k),
      name: `Promo ${code} ${placement}`,
      status: 'ACTIVE',
      adset_id: adsetId,
      campaign_id: campaignId,
      code,
      creative: {
        id: String(120240000000000 + i * 10 + k),
        title: `${code}: your first climb for less`,
        body: `New to Basin Climbing? Use code ${code} at checkout or at the front desk.`,
      },
    }));
    ads.ads.push(...pair);
    const reported = new Map<string, { count: number; cents: number }>();
    for (const sale of sales) {
      const ad = pair[hash(sale.payment_id) < 0.6 ? 0 : 1]!;
      ads.sales.push({ ad_id: ad.id, campaign_id: campaignId, code, ...sale });
      const key = `${ad.id}|${sale.day}`;
      const r = reported.get(key) ?? { count: 0, cents: 0 };
      reported.set(key, { count: r.count + 1, cents: r.cents + sale.amount_cents });
    }
    for (let day = first; day <= last; day = addDays(day, 1)) {
      for (const ad of pair) {
        const h = hash(`${ad.id}|${day}`);
        const spend = 300 + Math.floor(h * 1200);
        const impressions = Math.round(spend * (0.8 + h * 0.4));
        const clicks = Math.round(impressions * 0.012);
        const sold = reported.get(`${ad.id}|${day}`) ?? { count: 0, cents: 0 };
        const viewThrough = h > 0.85 ? 1 : 0;
        ads.days.push({
          ad_id: ad.id,
          day,
          spend_cents: spend,
          impressions,
          reach: Math.round(impressions * 0.72),
          clicks,
          inline_link_clicks: Math.round(clicks * 0.7),
          reported_purchases: sold.count + viewThrough,
          reported_value_cents: sold.cents + viewThrough * 2500,
        });
      }
    }
  });
  built.set(dataset, ads);
  return ads;
}

interface ReportRun {
  id: string;
  rows: Record<string, unknown>[];
  polls: number;
  since: string;
  until: string;
}

/** What tests set to see the client slow down: the share of the insights quota the headers report. */
export interface AdsThrottleState {
  accountUtilPct: number;
}

/**
 * The Marketing API's read side over `sandboxAds`, served on the Graph emulator's origin (one
 * `META_GRAPH_URL` for every Meta product): the account's campaigns, ad sets and ads; insights by
 * `level` with `time_increment=1` over a `time_range`, synchronous (GET) or as an AdReportRun (POST,
 * then `async_status`/`async_percent_completion`, then the run's own insights edge); cursor paging;
 * and `x-fb-ads-insights-throttle` / `x-business-use-case-usage` on every insights answer.
 */
export function facebookAdsRoutes(
  dataset: SandboxDataset,
  throttle: AdsThrottleState = { accountUtilPct: 2 },
): Route[] {
  const runs = new Map<string, ReportRun>();
  const isAccount = (p: Record<string, string>) => p.node === ACT;
  const isRun = (p: Record<string, string>) => runs.has(p.node!);
  const throttleHeaders = () => ({
    'x-fb-ads-insights-throttle': JSON.stringify({
      app_id_util_pct: 1,
      acc_id_util_pct: throttle.accountUtilPct,
      ads_api_access_tier: 'standard_access',
    }),
    'x-business-use-case-usage': JSON.stringify({
      [SANDBOX_AD_ACCOUNT_ID]: [
        {
          type: 'ads_insights',
          call_count: throttle.accountUtilPct,
          total_cputime: 1,
          total_time: 1,
          estimated_time_to_regain_access: 0,
          ads_api_access_tier: 'standard_access',
        },
      ],
    }),
  });

  const edge = (name: string, list: (ads: SandboxAds) => Record<string, unknown>[]) =>
    versioned('/:version/:node/:edge', (req) => page(req, list(sandboxAds(dataset)), {}), {
      claims: (p) => isAccount(p) && p.edge === name,
    });

  return [
    edge('campaigns', (ads) => ads.campaigns),
    edge('adsets', (ads) => ads.adsets),
    edge('ads', (ads) => ads.ads.map(({ code: _code, ...ad }) => ad)),
    versioned(
      '/:version/:node/insights',
      (req) => {
        const query = parseInsightsQuery(req);
        if ('error' in query) return query.error;
        return page(req, insightRows(dataset, req.clock, query), throttleHeaders());
      },
      { claims: isAccount },
    ),
    versioned(
      '/:version/:node/insights',
      (req) => {
        const query = parseInsightsQuery(req);
        if ('error' in query) return query.error;
        const id = String(6_020_000_000_000 + runs.size + 1);
        runs.set(id, {
          id,
          rows: insightRows(dataset, req.clock, query),
          polls: 0,
          since: query.since,
          until: query.until,
        });
        return { status: 200, json: { report_run_id: id }, headers: throttleHeaders() };
      },
      { method: 'POST', claims: isAccount },
    ),
    versioned(
      '/:version/:node',
      (req) => {
        const run = runs.get(req.params.node!)!;
        run.polls += 1;
        const [status, percent] =
          run.polls === 1
            ? ['Job Not Started', 0]
            : run.polls === 2
              ? ['Job Running', 50]
              : ['Job Completed', 100];
        return {
          status: 200,
          json: {
            id: run.id,
            account_id: SANDBOX_AD_ACCOUNT_ID,
            async_status: status,
            async_percent_completion: percent,
            date_start: run.since,
            date_stop: run.until,
            time_ref: Math.floor(req.clock.getTime() / 1000),
          },
        };
      },
      { claims: isRun },
    ),
    versioned(
      '/:version/:node/insights',
      (req) => {
        const run = runs.get(req.params.node!)!;
        if (run.polls < 3) return graphError('(#100) The report run has not completed yet', { code: 100 });
        return page(req, run.rows, throttleHeaders());
      },
      { claims: isRun },
    ),
  ];
}

export interface InsightsQuery {
  level: 'ad' | 'campaign';
  since: string;
  until: string;
  fields: string[];
}

function parseInsightsQuery(req: EmulatorRequest): InsightsQuery | { error: EmulatorResponse } {
  const params = new URLSearchParams(req.query);
  if (req.body.length > 0) for (const [k, v] of new URLSearchParams(req.body.toString())) params.set(k, v);
  const level = params.get('level') ?? 'account';
  if (level !== 'ad' && level !== 'campaign') {
    return { error: graphError(`(#100) level ${level} is not served by the sandbox`, { code: 100 }) };
  }
  if (params.get('time_increment') !== '1') {
    return { error: graphError('(#100) the sandbox serves time_increment=1 only', { code: 100 }) };
  }
  let range: { since?: unknown; until?: unknown };
  try {
    range = JSON.parse(params.get('time_range') ?? '{}') as typeof range;
  } catch {
    return { error: graphError('(#100) param time_range must be a JSON object', { code: 100 }) };
  }
  if (typeof range.since !== 'string' || typeof range.until !== 'string') {
    return { error: graphError('(#100) time_range needs since and until', { code: 100 }) };
  }
  const fields = (params.get('fields') ?? 'spend,impressions').split(',').filter(Boolean);
  return { level, since: range.since, until: range.until, fields };
}

export function insightRows(
  dataset: SandboxDataset,
  clock: Date,
  query: InsightsQuery,
): Record<string, unknown>[] {
  const ads = sandboxAds(dataset);
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: dataset.timeZone }).format(clock);
  const adById = new Map(ads.ads.map((ad) => [ad.id, ad]));
  const campaignById = new Map(ads.campaigns.map((c) => [c.id, c]));
  const adsetById = new Map(ads.adsets.map((s) => [s.id, s]));
  const grouped = new Map<string, SandboxAdDay & { campaign_id: string; adset_id: string }>();
  for (const d of ads.days) {
    if (d.day < query.since || d.day > query.until || d.day > today) continue;
    const share = restatedShare(d.day, today);
    const ad = adById.get(d.ad_id)!;
    const shown = {
      ...d,
      spend_cents: Math.round(d.spend_cents * share),
      impressions: Math.round(d.impressions * share),
      reach: Math.round(d.reach * share),
      clicks: Math.round(d.clicks * share),
      inline_link_clicks: Math.round(d.inline_link_clicks * share),
      campaign_id: ad.campaign_id,
      adset_id: ad.adset_id,
    };
    const key = query.level === 'ad' ? `${d.day}|${d.ad_id}` : `${d.day}|${ad.campaign_id}`;
    const sum = grouped.get(key);
    if (!sum) grouped.set(key, shown);
    else {
      sum.spend_cents += shown.spend_cents;
      sum.impressions += shown.impressions;
      sum.reach = Math.max(sum.reach, shown.reach);
      sum.clicks += shown.clicks;
      sum.inline_link_clicks += shown.inline_link_clicks;
      sum.reported_purchases += shown.reported_purchases;
      sum.reported_value_cents += shown.reported_value_cents;
    }
  }
  return [...grouped.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, d]) => {
      const ad = adById.get(d.ad_id)!;
      const full: Record<string, unknown> = {
        account_id: SANDBOX_AD_ACCOUNT_ID,
        campaign_id: d.campaign_id,
        campaign_name: campaignById.get(d.campaign_id)!.name,
        ...(query.level === 'ad'
          ? {
              adset_id: d.adset_id,
              adset_name: adsetById.get(d.adset_id)!.name,
              ad_id: ad.id,
              ad_name: ad.name,
            }
          : {}),
        spend: (d.spend_cents / 100).toFixed(2),
        impressions: String(d.impressions),
        reach: String(d.reach),
        clicks: String(d.clicks),
        inline_link_clicks: String(d.inline_link_clicks),
        ...(d.reported_purchases > 0
          ? {
              actions: [
                { action_type: 'link_click', value: String(d.inline_link_clicks) },
                { action_type: 'purchase', value: String(d.reported_purchases) },
              ],
              action_values: [{ action_type: 'purchase', value: (d.reported_value_cents / 100).toFixed(2) }],
            }
          : { actions: [{ action_type: 'link_click', value: String(d.inline_link_clicks) }] }),
      };
      const row: Record<string, unknown> = {};
      for (const field of query.fields) if (field in full) row[field] = full[field];
      return { ...row, date_start: d.day, date_stop: d.day };
    });
}

/** Today shows 70% of its final figures, yesterday 80%, the day before 90%; older days are final. */
function restatedShare(day: string, today: string): number {
  const age = (Date.parse(today) - Date.parse(day)) / 86_400_000;
  return age >= RESTATED_DAYS ? 1 : 0.7 + 0.1 * age;
}

/** A cursor page: `after` is the offset, base64 like Graph's opaque cursors; `next` carries the query. */
function page(
  req: EmulatorRequest,
  rows: Record<string, unknown>[],
  headers: Record<string, string>,
): EmulatorResponse {
  const limit = Math.min(MAX_LIMIT, Number(req.query.get('limit') ?? DEFAULT_LIMIT) || DEFAULT_LIMIT);
  const after = req.query.get('after');
  const start = after ? Number(Buffer.from(after, 'base64url').toString()) : 0;
  const data = rows.slice(start, start + limit);
  const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
  const paging: Record<string, unknown> =
    data.length > 0 ? { cursors: { before: cursor(start), after: cursor(start + data.length) } } : {};
  if (start + limit < rows.length) {
    const next = new URL(`${req.origin}${req.path}`);
    for (const [k, v] of req.query) next.searchParams.set(k, v);
    next.searchParams.set('after', cursor(start + data.length));
    paging.next = next.toString();
  }
  return { status: 200, json: { data, paging }, headers };
}

/** Meta's throttling answers: user limit (17), ads insights (80000) and ads management (80004) use cases. */
export function adsThrottle(code: 17 | 80000 | 80004): {
  status: number;
  json: unknown;
  headers: Record<string, string>;
} {
  const message =
    code === 17
      ? '(#17) User request limit reached'
      : code === 80000
        ? '(#80000) There have been too many calls from this ad-account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting#ads-insights.'
        : '(#80004) There have been too many calls to this ad-account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting#ads-management.';
  return {
    status: 400,
    json: {
      error: {
        message,
        type: 'OAuthException',
        code,
        ...(code === 17 ? { error_subcode: 2446079 } : {}),
        is_transient: true,
        fbtrace_id: 'AdsSandboxThrottle',
      },
    },
    headers: {
      'x-business-use-case-usage': JSON.stringify({
        [SANDBOX_AD_ACCOUNT_ID]: [
          {
            type: code === 80004 ? 'ads_management' : 'ads_insights',
            call_count: 100,
            total_cputime: 40,
            total_time: 40,
            estimated_time_to_regain_access: 0,
          },
        ],
      }),
    },
  };
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** A deterministic draw in [0, 1) per key, from the generator's own generator. */
function hash(key: string): number {
  return new Rng(`facebook-ads/${key}`).next();
}
