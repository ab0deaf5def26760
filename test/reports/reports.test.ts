import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCohorts } from '../../notebooks/cohorts.ts';
import { loadVisitFunnel } from '../../notebooks/funnels.ts';
import { createContext, type ReportContext } from '../../notebooks/lib/context.ts';
import { type RenderedReport, renderReports } from '../../notebooks/lib/render-reports.ts';
import { loadScorecard } from '../../notebooks/scorecard.ts';
import { buildSandboxLake, SANDBOX_TIME_ZONE, type SandboxLake } from '../support/sandbox-lake.ts';
import { trueCohortSizes, trueNetRevenueByDay, truePeople, trueVisitFunnel } from './truth.ts';

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
  asOf = lake.gym.asOf.toLocaleDateString('en-CA', { timeZone: SANDBOX_TIME_ZONE });
  rendered = await renderReports(lake.db, { outDir, asOf, timeZone: SANDBOX_TIME_ZONE });
  ctx = await createContext(lake.db, { asOf, timeZone: SANDBOX_TIME_ZONE });
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

  it('shows the true number of people in each membership cohort', async () => {
    const truth = trueCohortSizes(truePeople(lake.gym), asOf);
    const cohorts = await loadCohorts(ctx);
    expect(cohorts.length).toBeGreaterThan(6);
    for (const c of cohorts) expect(c.size, c.month).toBe(truth.get(c.month));
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

  it('says offers and quality checks are not yet computed while their tables are absent', async () => {
    const offers = await readFile(path.join(outDir, 'offers.html'), 'utf8');
    expect(offers).toContain('data-pending="metrics/offer_conversion"');
    expect(offers).toContain('Campaign engagement');
    const quality = await readFile(path.join(outDir, 'data-quality.html'), 'utf8');
    expect(quality).toContain('data-pending="state/quality_results"');
    expect(quality).toContain('data-pending="state/daily_runs"');
    expect(quality).toContain('data-table="freshness"');
    expect(quality).toContain('data-table="identity-confidence"');
  });
});
