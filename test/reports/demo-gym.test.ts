/**
 * The demo gym's reports, as the daily run rendered them into the shared demo lake's folder: the
 * funnels' counts at every step, the cohorts' segments, and the pages in headless Chromium with
 * every request that would leave the page blocked (sorting, filters, CSV downloads, segment selects,
 * the data-quality page's own run).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { csvParse } from 'd3-dsv';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, metric, type ReportContext } from '../../notebooks/lib/context.ts';
import { Lake } from '../../src/lake/lake.ts';
import { DEFAULT_AS_OF, DEFAULT_TIME_ZONE } from '../../src/sandbox/generate.ts';
import { Database } from '../../src/sql/database.ts';
import { BUILD_WAIT_MS, type DemoLake, sharedDemoLake } from '../support/demo-lake.ts';

let demo: DemoLake;
let db: Database;
let ctx: ReportContext;

beforeAll(async () => {
  demo = await sharedDemoLake();
  db = await Database.open(new Lake({ kind: 'local', dir: demo.lakeDir }), { timeZone: DEFAULT_TIME_ZONE });
  // The refresh day the daily run rendered the reports for: the sandbox clock's local day.
  const asOf = DEFAULT_AS_OF.toLocaleDateString('en-CA', { timeZone: DEFAULT_TIME_ZONE });
  ctx = await createContext(db, { asOf, timeZone: DEFAULT_TIME_ZONE });
}, BUILD_WAIT_MS);

afterAll(() => db?.close());

const total = (rows: Record<string, unknown>[], column: string) =>
  rows.reduce((n, r) => n + Number(r[column]), 0);

describe('the demo gym’s funnels and cohorts', () => {
  it('has a readable day pass → 2-week pass → membership funnel: every step counts, every month sells 2-week passes', async () => {
    const months = await metric(ctx, 'pass_funnel');
    expect(months.length).toBeGreaterThanOrEqual(6);
    const dayPass = total(months, 'day_pass_visitors');
    const twoWeek = total(months, 'two_week_passes');
    const afterPass = total(months, 'pass_members');
    const anyPath = total(months, 'direct_members');
    expect(dayPass).toBeGreaterThan(1_000);
    expect(twoWeek).toBeGreaterThan(100);
    expect(twoWeek / dayPass).toBeGreaterThan(0.05);
    expect(afterPass).toBeGreaterThan(25);
    expect(afterPass / twoWeek).toBeGreaterThan(0.1);
    expect(anyPath).toBeGreaterThan(afterPass);
    for (const m of months) expect(Number(m.two_week_passes), String(m.cohort_month)).toBeGreaterThan(0);
  });

  it('has a readable first visit → second visit → membership funnel', async () => {
    const months = await metric(ctx, 'visit_funnel');
    const first = total(months, 'first_visitors');
    expect(first).toBeGreaterThan(3_000);
    expect(total(months, 'second_visitors') / first).toBeGreaterThan(0.1);
    expect(total(months, 'members') / first).toBeGreaterThan(0.02);
  });

  it('splits the cohorts by first product and promo-code use, each segment adding up to the whole', async () => {
    const rows = await metric(ctx, 'membership_cohorts');
    const people = (first: string, promo: string) =>
      total(
        rows.filter(
          (r) => r.first_product === first && r.used_promo === promo && Number(r.months_after ?? 1) === 1,
        ),
        'cohort_size',
      );
    const everyone = people('all', 'all');
    expect(everyone).toBeGreaterThan(1_000);
    const products = ['day_pass', 'class', 'two_week_pass', 'membership'];
    for (const p of products) expect(people(p, 'all'), p).toBeGreaterThan(5);
    expect(products.reduce((n, p) => n + people(p, 'all'), 0)).toBe(everyone);
    expect(people('all', 'yes') + people('all', 'no')).toBe(everyone);
    expect(people('all', 'yes')).toBeGreaterThan(0);
  });
});

const CHROMIUM = '/usr/bin/chromium';
const noChromium = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (Debian's chromium package)`;

describe.skipIf(noChromium !== null)(
  `the demo gym’s reports in headless Chromium, offline${noChromium ? ` (skipped: ${noChromium})` : ''}`,
  () => {
    let browser: Browser;
    let context: BrowserContext;
    const errors: string[] = [];
    const requests: string[] = [];

    beforeAll(async () => {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      context = await browser.newContext({ viewport: { width: 1240, height: 900 }, acceptDownloads: true });
      // No network: whatever is not the page's own file is aborted, and recorded.
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      context.on('request', (r) => {
        if (!/^(file|blob|data):/.test(r.url())) requests.push(r.url());
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function open(name: string): Promise<Page> {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${name}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
      await page.goto(pathToFileURL(path.join(demo.reportsDir, `${name}.html`)).href);
      return page;
    }

    /** A table's column as shown, top to bottom (its cells' `data-key` end in `|<name>`). */
    const column = (page: Page, table: string, name: string) =>
      page.$$eval(`form[data-table="${table}"] [data-key$="|${name}"]`, (cells) =>
        cells.filter((c) => c.checkVisibility()).map((c) => c.textContent?.trim() ?? ''),
      );
    const numbers = (texts: string[]) => texts.map((t) => Number(t.replace(/[^0-9.-]/g, '')));

    it('sorts a table by any column, both ways', async () => {
      const page = await open('funnels');
      const before = numbers(await column(page, 'visit-funnel', 'first'));
      expect(before.length).toBeGreaterThan(6);
      const header = page.locator('form[data-table="visit-funnel"] th', { hasText: 'First-time visitors' });
      await header.click();
      const ascending = numbers(await column(page, 'visit-funnel', 'first'));
      expect(ascending).toEqual([...before].sort((a, b) => a - b));
      expect(ascending).not.toEqual(before);
      await header.click();
      expect(numbers(await column(page, 'visit-funnel', 'first'))).toEqual([...before].sort((a, b) => b - a));
      await page.close();
    });

    it('narrows a table with its filter, and downloads the rows it leaves as CSV', async () => {
      const page = await open('funnels');
      const view = page.locator('[data-table-view="visit-funnel"]');
      const months = await column(page, 'visit-funnel', 'first');
      await view.locator('input[type="search"]').fill('2026');
      const shown = await column(page, 'visit-funnel', 'first');
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.length).toBeLessThan(months.length);
      await expect
        .poll(() => view.locator('.row-count').textContent())
        .toBe(`${shown.length} of ${months.length} rows`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        view.locator('a.download').click(),
      ]);
      expect(download.suggestedFilename()).toBe('visit-funnel.csv');
      const csv = csvParse(await readFile((await download.path())!, 'utf8'));
      expect(csv.length).toBe(shown.length);
      expect(csv.columns).toEqual([
        'Month',
        'First-time visitors',
        'Second visit ≤ 30 d',
        'Second-visit rate',
        'Members ≤ 30 d',
        'Conversion',
      ]);
      for (const row of csv) expect(row.Month).toMatch(/^2026-\d\d-01$/);
      // The same numbers as the table shows, unformatted.
      expect(csv.map((r) => Number(r['First-time visitors']))).toEqual(numbers(shown));
      await page.close();
    });

    it('narrows the offers table to one campaign with its select', async () => {
      const page = await open('offers');
      const view = page.locator('[data-segment]:not([hidden]) [data-table-view="offers"]');
      const all = await column(page, 'offers', 'recipients');
      expect(all.length).toBeGreaterThan(5);
      const select = view.locator('[data-filter="Campaign"] select');
      const campaigns = await select.locator('option').allTextContents();
      await select.selectOption({ label: campaigns[1]! });
      expect(await column(page, 'offers', 'recipients')).toHaveLength(1);
      await page.close();
    });

    it('re-draws the cohort heatmap for a segment', async () => {
      const page = await open('cohorts');
      const heatmap = () =>
        page.$$eval('[data-chart="retention-heatmap"] g[aria-label="cell"] title', (titles) =>
          titles.filter((t) => t.parentElement!.checkVisibility()).map((t) => t.textContent),
        );
      const everyone = await heatmap();
      expect(everyone.length).toBeGreaterThan(50);
      await page.locator('[data-dimension="first"] select').selectOption({ label: 'Day pass' });
      const dayPass = await heatmap();
      expect(dayPass.length).toBeGreaterThan(20);
      expect(dayPass).not.toEqual(everyone);
      expect(await page.locator('[data-segment]:not([hidden])').getAttribute('data-segment')).toContain(
        'first=day_pass&promo=all',
      );
      await page.locator('[data-dimension="promo"] select').selectOption({ label: 'Never used one' });
      expect(await heatmap()).not.toEqual(dayPass);
      await page.close();
    });

    it('shows the run that rendered the data-quality page with its steps and seconds, not as running', async () => {
      const page = await open('data-quality');
      const [run] = await db.query('select run_id from daily_runs order by started_at desc limit 1');
      const runId = String(run?.run_id);
      const status = page.locator(`[data-key="${runId}|status"]`);
      expect(await status.textContent()).toBe('this run');
      expect(await page.locator(`[data-key="${runId}|seconds"]`).textContent()).toMatch(/^\d[\d,]* so far$/);
      const statuses = await page.$$eval('[data-key$="|status"]', (cells) => cells.map((c) => c.textContent));
      expect(statuses).not.toContain('running');
      const steps = await page.$$eval('form[data-table="this-run"] [data-key$="|step"]', (cells) =>
        cells.map((c) => c.textContent),
      );
      expect(steps).toEqual(
        expect.arrayContaining(['fetch', 'stage', 'resolve', 'events', 'quality', 'publish']),
      );
      expect(steps.at(-1)).toBe('reports');
      for (const step of steps.slice(0, -1))
        expect(await page.locator(`[data-key="${step}|seconds"]`).textContent(), step!).toMatch(/^\d+\.\d$/);
      await page.close();
    });

    it('opens every page offline with no console errors, charts with values on hover, and no request leaving a page', async () => {
      for (const name of [
        'index',
        'scorecard',
        'cohorts',
        'funnels',
        'offers',
        'audiences',
        'churn',
        'ads',
        'data-quality',
      ]) {
        const page = await open(name);
        expect(await page.locator('[data-table-view] form[data-table]').count(), name).toBeGreaterThan(0);
        // Every chart shows its values on hover: SVG <title> tooltips on its marks.
        const untitled = await page.$$eval('[data-chart]', (charts) =>
          charts
            .filter((c) => c.querySelectorAll('title').length === 0)
            .map((c) => c.getAttribute('data-chart')),
        );
        expect(untitled, name).toEqual([]);
        await page.close();
      }
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    });

    it('shows every audience the daily run computed, with its groups and holdout, on the audiences page', async () => {
      const computed = await db.query(
        `select audience, count(*)::int as members, count(*) filter (where ab_group = 'A' and not holdout)::int as a,
                count(*) filter (where ab_group = 'B' and not holdout)::int as b,
                count(*) filter (where holdout)::int as holdout, count(tag)::int as tagged
         from audience_members group by audience order by audience`,
      );
      expect(computed.length).toBeGreaterThan(0);
      const page = await open('audiences');
      expect((await column(page, 'audiences-now', 'audience')).sort()).toEqual(
        expect.arrayContaining(computed.map((r) => String(r.audience))),
      );
      const shown = async (audience: unknown, column: string) =>
        Number((await page.locator(`[data-key="${audience}|${column}"]`).textContent())?.replace(/,/g, ''));
      for (const r of computed) {
        expect(await shown(r.audience, 'members')).toBe(r.members);
        expect(await shown(r.audience, 'groupa')).toBe(r.a);
        expect(await shown(r.audience, 'groupb')).toBe(r.b);
        expect(await shown(r.audience, 'holdout')).toBe(r.holdout);
        expect(await shown(r.audience, 'tagged')).toBe(r.tagged);
      }
      await page.close();
      expect(errors).toEqual([]);
    });
  },
);
