import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseHTML } from 'linkedom';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCohorts } from '../../notebooks/cohorts.ts';
import { loadVisitFunnel } from '../../notebooks/funnels.ts';
import { createContext, metric, type ReportContext } from '../../notebooks/lib/context.ts';
import { formatInteger, formatMoney, formatPercent, isoDate } from '../../notebooks/lib/format.ts';
import { type RenderedReport, renderReports } from '../../notebooks/lib/render-reports.ts';
import { formatLine, loadMonthlyRevenue, loadScorecard } from '../../notebooks/scorecard.ts';
import { buildSandboxLake, type SandboxLake } from '../support/sandbox-lake.ts';
import {
  trueCheckinsByMembership,
  trueCohortSizes,
  trueNetRevenueByDay,
  truePeople,
  trueVisitFunnel,
} from './truth.ts';

const SCALE = 0.1;
const pages = ['index', 'scorecard', 'cohorts', 'funnels', 'offers', 'data-quality'];

let lake: SandboxLake;
let outDir: string;
let ctx: ReportContext;
let rendered: RenderedReport[];
let asOf: string;

beforeAll(async () => {
  lake = await buildSandboxLake(SCALE);
  outDir = await mkdtemp(path.join(os.tmpdir(), 'basin-reports-'));
  // The refresh day is the sandbox clock's local day, as the daily run passes it.
  asOf = lake.gym.asOf.toLocaleDateString('en-CA', { timeZone: lake.timeZone });
  rendered = await renderReports(lake.db, { outDir, asOf, timeZone: lake.timeZone });
  ctx = await createContext(lake.db, { asOf, timeZone: lake.timeZone });
}, 180_000);

afterAll(async () => {
  await lake?.dispose();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('reports of a sandbox gym, against its ground truth', () => {
  it('renders every report and the index, with no failure', async () => {
    expect(rendered.map((r) => r.file)).toEqual([
      'scorecard.html',
      'cohorts.html',
      'funnels.html',
      'offers.html',
      'ads.html',
      'audiences.html',
      'churn.html',
      'data-quality.html',
    ]);
    expect(rendered.filter((r) => r.error)).toEqual([]);
    for (const name of pages) expect(existsSync(path.join(outDir, `${name}.html`)), name).toBe(true);
    const index = await readFile(path.join(outDir, 'index.html'), 'utf8');
    for (const r of rendered) expect(index).toContain(`href="${r.file}"`);
    expect(index).toContain('Freshness per source');
  });

  it('shows the true net revenue of each of the last 4 complete weeks', async () => {
    const truth = trueNetRevenueByDay(lake.gym);
    const card = await loadScorecard(ctx);
    expect(card.weeks).toHaveLength(4);
    // The last complete Monday–Sunday week ends before the refresh day.
    const lastSunday = new Date(`${card.weeks[3]}T00:00:00Z`);
    lastSunday.setUTCDate(lastSunday.getUTCDate() + 6);
    expect(lastSunday.toISOString().slice(0, 10) < asOf).toBe(true);
    const total = card.lines.find((l) => l.metric === 'revenue_total')!;
    card.weeks.forEach((week, i) => {
      let cents = 0;
      for (let d = 0; d < 7; d++) {
        const day = new Date(`${week}T00:00:00Z`);
        day.setUTCDate(day.getUTCDate() + d);
        cents += truth.get(day.toISOString().slice(0, 10)) ?? 0;
      }
      expect(total.weeks[i], week).toBeCloseTo(cents / 100, 2);
    });
    expect(total.weeks.some((v) => (v ?? 0) > 0)).toBe(true);
  });

  it('shows the true net revenue of each of the last 12 complete months, and not the month in progress', async () => {
    const truth = new Map<string, number>();
    for (const [day, cents] of trueNetRevenueByDay(lake.gym)) {
      const month = `${day.slice(0, 7)}-01`;
      truth.set(month, (truth.get(month) ?? 0) + cents);
    }
    const monthly = await loadMonthlyRevenue(ctx);
    const months = [...new Set(monthly.map((m) => m.month))].sort();
    expect(months).toHaveLength(12);
    expect(months.at(-1)! < `${asOf.slice(0, 7)}-01`).toBe(true);
    for (const month of months) {
      const shown = monthly.filter((m) => m.month === month).reduce((n, m) => n + m.netRevenue, 0);
      expect(shown, month).toBeCloseTo(truth.get(month)! / 100, 2);
    }
  });

  it('counts new members per person, in the week of their first-ever membership', async () => {
    const people = [...truePeople(lake.gym).values()];
    const card = await loadScorecard(ctx);
    const newMembers = card.lines.find((l) => l.metric === 'new_members')!;
    card.weeks.forEach((week, i) => {
      const end = new Date(`${week}T00:00:00Z`);
      end.setUTCDate(end.getUTCDate() + 6);
      const sunday = end.toISOString().slice(0, 10);
      const truth = people.filter(
        (p) => p.firstMembership && p.firstMembership >= week && p.firstMembership <= sunday,
      );
      expect(newMembers.weeks[i], week).toBe(truth.length);
    });
  });

  it('splits check-ins by membership on the day of the check-in, as the truth does', async () => {
    const truth = trueCheckinsByMembership(lake.gym);
    const card = await loadScorecard(ctx);
    const members = card.lines.find((l) => l.metric === 'member_checkins')!;
    const others = card.lines.find((l) => l.metric === 'non_member_checkins')!;
    card.weeks.forEach((week, i) => {
      let m = 0;
      let o = 0;
      for (let d = 0; d < 7; d++) {
        const day = new Date(`${week}T00:00:00Z`);
        day.setUTCDate(day.getUTCDate() + d);
        const t = truth.get(day.toISOString().slice(0, 10));
        m += t?.members ?? 0;
        o += t?.others ?? 0;
      }
      expect({ week, members: members.weeks[i], others: others.weeks[i] }).toEqual({
        week,
        members: m,
        others: o,
      });
    });
    expect(members.weeks.some((n) => (n ?? 0) > 0) && others.weeks.some((n) => (n ?? 0) > 0)).toBe(true);
  });

  it('shows the true number of people in each membership cohort', async () => {
    const truth = trueCohortSizes(truePeople(lake.gym), asOf);
    const cohorts = await loadCohorts(ctx);
    expect(cohorts.length).toBeGreaterThan(6);
    for (const c of cohorts) expect(c.size, c.month).toBe(truth.get(c.month));
    // No true cohort is missing from the report's range.
    expect(cohorts.map((c) => c.month)).toEqual(
      [...truth.keys()].filter((m) => m >= cohorts[0]!.month).sort(),
    );
    // Per person: a family membership's members each count once, however many records they have.
    const latest = cohorts.at(-1)!;
    expect(latest.month < asOf.slice(0, 7)).toBe(true);
    for (const c of cohorts) {
      const reached = c.retained.filter((n) => n !== null);
      for (const n of reached) expect(n).toBeLessThanOrEqual(c.size);
    }
  });

  it('shows the true conversion counts of the first-visit funnel, per person, in a 30-day window', async () => {
    const truth = trueVisitFunnel(truePeople(lake.gym), asOf, 30);
    const funnel = await loadVisitFunnel(ctx);
    expect(funnel.length).toBeGreaterThan(6);
    const months = [...truth.keys()].sort();
    // The first month of history is left out: its "first" visits are everyone who came before.
    expect(funnel.map((f) => f.month)).toEqual(months.slice(1));
    for (const f of funnel) {
      const t = truth.get(f.month)!;
      expect({
        month: f.month,
        first: f.firstVisitors,
        second: f.secondVisitors,
        members: f.members,
      }).toEqual({
        month: f.month,
        first: t.firstVisitors,
        second: t.secondVisitors,
        members: t.members,
      });
    }
    expect(funnel.reduce((n, f) => n + f.members, 0)).toBeGreaterThan(0);
  });

  it('says offers, quality checks and churn scores are not yet computed while their tables are absent', async () => {
    const offers = await readFile(path.join(outDir, 'offers.html'), 'utf8');
    expect(offers).toContain('data-pending="metrics/offer_conversion"');
    expect(offers).toContain('Campaign engagement');
    const quality = await readFile(path.join(outDir, 'data-quality.html'), 'utf8');
    expect(quality).toContain('data-pending="state/quality_results"');
    expect(quality).toContain('data-pending="state/daily_runs"');
    expect(quality).toContain('data-table="freshness"');
    expect(quality).toContain('data-table="identity-confidence"');
    const churn = await readFile(path.join(outDir, 'churn.html'), 'utf8');
    expect(churn).toContain('data-pending="core/churn_scores"');
  });
});

const CHROMIUM = '/usr/bin/chromium';
const noChromium = existsSync(CHROMIUM)
  ? null
  : `${CHROMIUM} is missing (Debian's chromium package, which .ci/run installs)`;
if (noChromium) console.warn(`the reports' browser test is skipped: ${noChromium}`);
const screenshots = path.join('test-results', 'screenshots');
type HtmlDocument = ReturnType<typeof parseHTML>['document'];

describe.skipIf(noChromium !== null)(
  `the reports in headless Chromium${noChromium ? ` (skipped: ${noChromium})` : ''}`,
  () => {
    let browser: Browser;
    beforeAll(async () => {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      await mkdir(screenshots, { recursive: true });
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function open(name: string): Promise<{ page: Page; errors: string[] }> {
      const page = await browser.newPage({ viewport: { width: 1240, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
      // Nothing leaves the page: its only request is its own file.
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) errors.push(`request: ${r.url()}`);
      });
      await page.goto(pathToFileURL(path.join(outDir, `${name}.html`)).href);
      return { page, errors };
    }

    // The cells of a table as the page shows it: in the visible variant of a segmented section.
    const cells = (page: Page, table: string) =>
      page.$$eval(`[data-table="${table}"] [data-key]`, (keyed) =>
        Object.fromEntries(
          keyed
            .filter((cell) => cell.checkVisibility())
            .map((cell) => [cell.getAttribute('data-key'), cell.textContent?.trim() ?? '']),
        ),
      ) as Promise<Record<string, string>>;

    it('opens every page with no console errors, draws marks in every chart, and saves a screenshot', async () => {
      for (const name of pages) {
        const { page, errors } = await open(name);
        const charts = await page.$$eval('.chart', (divs) =>
          divs.map((div) => ({
            chart: div.getAttribute('data-chart'),
            marks: div.querySelectorAll(
              'svg g[aria-label="bar"] > *, svg g[aria-label="cell"] > *, svg g[aria-label="line"] > *, svg g[aria-label="dot"] > *, svg g[aria-label="arrow"] > *',
            ).length,
          })),
        );
        for (const c of charts) expect(c.marks, `${name}: ${c.chart}`).toBeGreaterThan(0);
        if (!['index', 'offers'].includes(name)) expect(charts.length, name).toBeGreaterThan(0);
        // Charts are inline SVG and every script is inline: nothing is fetched.
        expect(await page.$$eval('script[src]', (s) => s.length)).toBe(0);
        await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
        expect(errors, name).toEqual([]);
        await page.close();
      }
    });

    it('shows the scorecard query’s numbers', async () => {
      const rows = await metric(ctx, 'weekly_scorecard');
      const { page } = await open('scorecard');
      const shown = await cells(page, 'scorecard');
      let checked = 0;
      for (const r of rows) {
        const key = `${r.metric}|${isoDate(r.week_start)}`;
        if (String(r.metric).startsWith('second_visit')) continue;
        const kind = String(r.metric).startsWith('revenue') ? 'money' : 'count';
        expect(shown[key], key).toBe(formatLine(kind, Number(r.value)));
        checked++;
      }
      expect(checked).toBeGreaterThan(30);
      const monthly = await cells(page, 'monthly-revenue');
      const byMonth = new Map<string, number>();
      for (const r of await metric(ctx, 'monthly_revenue'))
        byMonth.set(
          isoDate(r.month_start),
          (byMonth.get(isoDate(r.month_start)) ?? 0) + Number(r.net_revenue),
        );
      for (const [month, total] of byMonth) expect(monthly[`${month}|total`], month).toBe(formatMoney(total));
      await page.close();
    });

    it('shows the cohort and funnel queries’ numbers', async () => {
      const cohortRows = (await metric(ctx, 'membership_cohorts')).filter(
        (r) => r.first_product === 'all' && r.used_promo === 'all',
      );
      const { page } = await open('cohorts');
      const shown = await cells(page, 'cohorts');
      for (const r of cohortRows) {
        const month = isoDate(r.cohort_month);
        expect(shown[`${month}|size`]).toBe(formatInteger(Number(r.cohort_size)));
        expect(shown[`${month}|still`]).toBe(formatPercent(Number(r.still_members) / Number(r.cohort_size)));
        if (r.months_after !== null)
          expect(shown[`${month}|M${r.months_after}`]).toBe(
            formatPercent(Number(r.retained) / Number(r.cohort_size)),
          );
      }
      await page.close();

      const visits = await metric(ctx, 'visit_funnel');
      const passes = await metric(ctx, 'pass_funnel');
      const funnels = await open('funnels');
      const visitCells = await cells(funnels.page, 'visit-funnel');
      for (const r of visits) {
        const month = isoDate(r.cohort_month);
        expect(visitCells[`${month}|first`]).toBe(formatInteger(Number(r.first_visitors)));
        expect(visitCells[`${month}|second`]).toBe(formatInteger(Number(r.second_visitors)));
        expect(visitCells[`${month}|members`]).toBe(formatInteger(Number(r.members)));
      }
      const passCells = await cells(funnels.page, 'pass-funnel');
      for (const r of passes) {
        const month = isoDate(r.cohort_month);
        expect(passCells[`${month}|day_pass`]).toBe(formatInteger(Number(r.day_pass_visitors)));
        expect(passCells[`${month}|two_week`]).toBe(formatInteger(Number(r.two_week_passes)));
        expect(passCells[`${month}|direct`]).toBe(formatInteger(Number(r.direct_members)));
      }
      await funnels.page.close();
    });

    it('shows the data-quality queries’ numbers and each source’s freshness', async () => {
      const { page } = await open('data-quality');
      const identity = await cells(page, 'identity-confidence');
      const bySource = new Map<string, number>();
      for (const r of await metric(ctx, 'identity_confidence'))
        bySource.set(String(r.source), (bySource.get(String(r.source)) ?? 0) + Number(r.records));
      for (const [source, n] of bySource) expect(identity[`${source}|records`]).toBe(formatInteger(n));
      const coverage = await cells(page, 'event-coverage');
      for (const r of await metric(ctx, 'event_coverage'))
        expect(coverage[`${r.event_type}|events`]).toBe(formatInteger(Number(r.events)));
      await page.close();
      const index = await open('index');
      const freshness = await cells(index.page, 'freshness');
      expect(ctx.freshness.length).toBeGreaterThan(0);
      for (const f of ctx.freshness) expect(freshness[`${f.source}|records`]).toBe(formatInteger(f.records));
      await index.page.close();
    });
  },
);

describe('offers and quality checks, once their steps have written the tables', () => {
  let contractOut: string;
  let document: HtmlDocument;
  // A table as the page first shows it: outside segmented sections, or in their first variant.
  const shown = (table: string) => `table[data-table="${table}"]:not([data-segment][hidden] table)`;
  const keyed = (doc: HtmlDocument, table: string) =>
    Object.fromEntries(
      [...doc.querySelectorAll(`${shown(table)} td[data-key]`)].map((td) => [
        td.getAttribute('data-key'),
        td.textContent?.trim(),
      ]),
    );

  beforeAll(async () => {
    // Tables shaped as the offers and quality steps' contract says, with made-up rows.
    await lake.db.writeSelect(
      'metrics/offer_conversion',
      `select * from (values
        ('c1', 'Spring member deal', timestamptz '2026-10-01 15:00:00+00', true, 'membership_discount', 'SPRING20', '20%', 'First month 20% off', 'promotional', 'claude-haiku-4-5', 400, 380, 190, 60, 38, 0.10, 0.04, 6.0, 30, 12, 1234.5, 'h1'),
        ('c2', 'Gear sale', timestamptz '2026-09-01 15:00:00+00', true, 'retail_discount', 'GEAR10', '$10', '$10 off shoes', 'promotional', 'heuristic', 300, 290, 100, 20, 6, 0.02, 0.03, -1.0, 30, 2, 80.0, 'h2'),
        ('c3', 'October newsletter', timestamptz '2026-10-15 15:00:00+00', false, null, null, null, null, 'newsletter', 'claude-haiku-4-5', 500, 470, 220, 30, 9, 0.019, 0.02, -0.1, 30, 0, 0.0, 'h3')
      ) as t(campaign_id, campaign_title, sent_at, has_offer, offer_type, offer_code, offer_amount, offer_description,
             email_category, analyzed_by, recipients, matched_recipients, opens, clicks, converters, conversion_rate,
             comparison_rate, lift_points, window_days, promo_redemptions, promo_revenue, content_hash)`,
    );
    await lake.db.writeSelect(
      'state/email_templates',
      `select * from (values
        ('h1', 'A warm push to join before spring.', 'upbeat', '["membership", "spring"]'),
        ('h2', 'Shoe and harness discounts.', 'plain', '["retail"]')
      ) as t(content_hash, summary, tone, themes)`,
    );
    await lake.db.writeSelect(
      'state/quality_results',
      `select * from (values
        ('r1', timestamptz '2026-11-19 12:00:00+00', 'events_have_dates', 'every event has a date', 'error', 0, 0, 'pass', null),
        ('r1', timestamptz '2026-11-19 12:00:00+00', 'revenue_reconciles', 'staged revenue equals raw payments', 'error', 0, 2, 'fail', '[{"transaction_id":"pi_1","amount":12.5}]'),
        ('r2', timestamptz '2026-11-20 12:00:00+00', 'events_have_dates', 'every event has a date', 'error', 0, 0, 'pass', null),
        ('r2', timestamptz '2026-11-20 12:00:00+00', 'revenue_reconciles', 'staged revenue equals raw payments', 'error', 0, 3, 'fail', '[{"transaction_id":"pi_9","amount":40}]')
      ) as t(run_id, checked_at, check_name, description, severity, threshold, failing_rows, status, sample)`,
    );
    await lake.db.writeSelect(
      'state/daily_runs',
      `select * from (values
        ('r1', timestamptz '2026-11-19 12:00:00+00', timestamptz '2026-11-19 12:01:30+00', 'ok', null, '[]'),
        ('r2', timestamptz '2026-11-20 12:00:00+00', timestamptz '2026-11-20 12:02:00+00', 'failed', 'stripe: 503', '[]')
      ) as t(run_id, started_at, finished_at, status, error, steps)`,
    );
    contractOut = await mkdtemp(path.join(os.tmpdir(), 'basin-reports-contract-'));
    const results = await renderReports(lake.db, {
      outDir: contractOut,
      asOf,
      timeZone: lake.timeZone,
      only: ['offers', 'data-quality'],
    });
    expect(results.filter((r) => r.error)).toEqual([]);
    document = parseHTML(await readFile(path.join(contractOut, 'offers.html'), 'utf8')).document;
  });
  afterAll(async () => {
    if (contractOut) await rm(contractOut, { recursive: true, force: true });
  });

  it('lists each offer with its engagement, conversion, lift, promo revenue and the LLM’s reading', () => {
    const cells = keyed(document, 'offers');
    expect(cells['c1|recipients']).toBe('400');
    expect(cells['c1|conversion']).toBe('10.0%');
    expect(cells['c1|comparison']).toBe('4.0%');
    expect(cells['c1|lift']).toBe('+6.0 pts');
    expect(cells['c1|promo_revenue']).toBe('$1,234.50');
    expect(cells['c2|lift']).toBe('−1.0 pts');
    // The offer that worked comes first; campaigns without an offer are listed apart.
    const order = [...document.querySelectorAll(`${shown('offers')} td[data-key$="|recipients"]`)].map((td) =>
      td.getAttribute('data-key'),
    );
    expect(order).toEqual(['c1|recipients', 'c2|recipients']);
    expect(keyed(document, 'campaigns')['c3|recipients']).toBe('500');
    const text = document.querySelector(shown('offers'))?.textContent ?? '';
    expect(text).toContain('A warm push to join before spring.');
    expect(text).toContain('membership, spring');
    expect(document.querySelector('[data-chart="offer-lift"] g[aria-label="arrow"]')?.children.length).toBe(
      2,
    );
  });

  it('shows the latest run’s checks with a sample of failing rows, the trend and the daily runs', async () => {
    const quality = parseHTML(await readFile(path.join(contractOut, 'data-quality.html'), 'utf8')).document;
    const checks = keyed(quality, 'checks');
    expect(checks['revenue_reconciles|status']).toBe('fail');
    expect(checks['revenue_reconciles|failing']).toBe('3');
    expect(checks['events_have_dates|status']).toBe('pass');
    expect(quality.querySelector('table[data-table="checks"] pre')?.textContent).toContain('pi_9');
    expect(quality.querySelector('[data-chart="check-trend"] g[aria-label="cell"]')?.children.length).toBe(4);
    expect(quality.querySelector('table[data-table="daily-runs"]')?.textContent).toContain('stripe: 503');
    expect(quality.querySelector('[data-pending]')).toBeNull();
  });
});
