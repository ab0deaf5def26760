/**
 * Daily churn scoring on a copy of the demo gym's lake: scores with reasons in core/churn_scores, the
 * model kept in state/churn_models and reused within its month, and a past as-of date scored by a
 * model that saw nothing after it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churn } from '../../notebooks/churn.ts';
import { createContext } from '../../notebooks/lib/context.ts';
import { escapeHtml } from '../../notebooks/lib/format.ts';
import { addDays, HORIZON_DAYS } from '../../src/churn/training-set.ts';
import { Lake } from '../../src/lake/lake.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { DEFAULT_TIME_ZONE } from '../../src/sandbox/generate.ts';
import { Database } from '../../src/sql/database.ts';
import { BUILD_WAIT_MS, copyDemoLake } from '../support/demo-lake.ts';

let dir: string;
let db: Database;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'basin-churn-'));
  db = await Database.open(new Lake({ kind: 'local', dir: await copyDemoLake(dir) }), {
    timeZone: DEFAULT_TIME_ZONE,
  });
}, BUILD_WAIT_MS);

afterAll(async () => {
  db?.close();
  await rm(dir, { recursive: true, force: true });
});

async function scoreAt(day: string) {
  const runner = await openRunner(db, {
    asOf: new Date(`${day}T18:00:00Z`),
    vars: { time_zone: DEFAULT_TIME_ZONE, retrain_churn: false },
  });
  const [built] = await runner.build(runner.graph.select((m) => m.id === 'churn'));
  return built!.outcome!.detail;
}

describe('churn scoring', () => {
  it('scores members with reasons, keeps the model, and refits only for a new month', async () => {
    expect(await scoreAt('2026-06-15')).toMatch(/fitted now/);
    expect(await scoreAt('2026-06-20')).not.toMatch(/fitted now/);
    // The demo lake's own daily run kept a model for its day; June's scoring added one, and only one.
    const models = await db.query(
      `select trained_on::varchar as t, last_as_of::varchar as last from churn_models
       where trained_on between '2026-06-01' and '2026-06-30'`,
    );
    expect(models).toHaveLength(1);
    // Its last training date's 90 days ended by the as-of date it was fitted for.
    expect(addDays(String(models[0]!.last), HORIZON_DAYS) <= '2026-06-15').toBe(true);
    const scores = await db.query(
      'select as_of::varchar as as_of, probability, risk_band, len(reasons) as reasons from churn_scores',
    );
    expect(scores.length).toBeGreaterThan(500);
    for (const s of scores) {
      expect(s.as_of).toBe('2026-06-20');
      expect(Number(s.probability)).toBeGreaterThan(0);
      expect(Number(s.probability)).toBeLessThan(1);
      expect(Number(s.reasons)).toBeLessThanOrEqual(3);
    }
    expect(new Set(scores.map((s) => s.risk_band))).toEqual(new Set(['high', 'medium', 'low']));
    const [top] = await db.query('select reasons from churn_scores order by probability desc limit 1');
    expect((top!.reasons as string[]).length).toBe(3);
    expect(await scoreAt('2026-07-02')).toMatch(/fitted now/);
  });

  it('reports the bands, the top-risk members with their reasons and the fits', async () => {
    const page = await churn.render(
      await createContext(db, { timeZone: DEFAULT_TIME_ZONE, asOf: '2026-07-02' }),
    );
    const [high] = await db.query("select count(*)::integer as n from churn_scores where risk_band = 'high'");
    expect(page).toContain('data-table="churn-bands-table"');
    expect(page).toContain('data-chart="churn-bands"');
    expect(page).toMatch(new RegExp(`high</td>\\s*<td[^>]*>${high!.n}<`));
    const [top] = await db.query(
      "select array_to_string(reasons, '; ') as reasons from churn_scores order by probability desc, customer_id limit 1",
    );
    expect(page).toContain(escapeHtml(String(top!.reasons)));
    expect(page).toContain('data-table="churn-fits"');
  });
});
