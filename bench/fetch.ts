/**
 * Full demo-gym backfill through the emulators: records per second and peak memory, median of
 * several runs, against a baseline in the same run: paging the same APIs with bare `fetch`, no
 * validation and no lake writes (what the HTTP alone costs).
 *
 *   npx tsx bench/fetch.ts [--runs 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { runFetch } from '../src/fetch/run-fetch.ts';
import { Lake } from '../src/lake/lake.ts';
import { startEmulators } from '../src/sandbox/emulators/index.ts';
import { generateGym } from '../src/sandbox/generate.ts';
import { loadSources } from '../src/sources/registry.ts';
import { Database } from '../src/sql/database.ts';
import { exitWithHelpIfAsked, median, report, timed, trackPeakRss } from './measure.ts';

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);

const gym = generateGym({ size: 'demo' });
const running = await startEmulators(gym);
const sources = await loadSources();

/** The baseline: page through Capitan's largest endpoints with fetch, discarding the records. */
async function bareCapitanPaging(): Promise<number> {
  let records = 0;
  for (const endpoint of ['customers/', 'customer-memberships/', 'check-ins/']) {
    let next: string | null = `${running.env.CAPITAN_API_URL}${endpoint}?page_size=100`;
    while (next) {
      const response = await fetch(next, {
        headers: { authorization: `token ${running.env.CAPITAN_API_TOKEN}` },
      });
      const body = (await response.json()) as { next: string | null; results: unknown[] };
      records += body.results.length;
      next = body.next;
    }
  }
  return records;
}

async function productCapitanOnly(): Promise<{ records: number; seconds: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-fetch-'));
  try {
    const config = loadConfig({ env: { ...running.env, BASIN_LAKE_URL: dir }, cwd: dir });
    const db = await Database.open(new Lake(config.lake), { timeZone: config.timeZone });
    const capitan = sources.filter((s) => s.name === 'capitan');
    const result = await runFetch(db, config, capitan, { runId: 'bench', now: gym.asOf, log: () => {} });
    db.close();
    const wanted = ['customers', 'customer_memberships', 'checkins'];
    const streams = result.filter((r) => wanted.includes(r.stream));
    return {
      records: streams.reduce((n, r) => n + r.fetched, 0),
      seconds: streams.reduce((n, r) => n + r.seconds, 0),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const full: { seconds: number; records: number; peakRssMb: number }[] = [];
const baseline: { seconds: number; records: number }[] = [];
const capitanProduct: { seconds: number; records: number }[] = [];
for (let run = 1; run <= runs; run++) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-fetch-'));
  const config = loadConfig({ env: { ...running.env, BASIN_LAKE_URL: dir }, cwd: dir });
  const db = await Database.open(new Lake(config.lake), { timeZone: config.timeZone });
  const stopRss = trackPeakRss();
  const { result, seconds } = await timed(() =>
    runFetch(db, config, sources, { runId: `bench-${run}`, now: gym.asOf, log: () => {} }),
  );
  const peakRssMb = stopRss();
  db.close();
  await rm(dir, { recursive: true, force: true });
  const failed = result.filter((r) => r.status !== 'ok');
  if (failed.length)
    throw new Error(`streams failed: ${failed.map((f) => `${f.source}/${f.stream}`).join(', ')}`);
  const records = result.reduce((n, r) => n + r.fetched, 0);
  full.push({ seconds, records, peakRssMb });

  const bare = await timed(bareCapitanPaging);
  baseline.push({ seconds: bare.seconds, records: bare.result });
  capitanProduct.push(await productCapitanOnly());
  console.error(`run ${run}: ${records} records in ${seconds.toFixed(1)} s, peak RSS ${peakRssMb} MB`);
}
await running.close();

const rate = (xs: { seconds: number; records: number }[]) => median(xs.map((x) => x.records / x.seconds));
await report('fetch', {
  runs,
  full_backfill: {
    records: full[0]!.records,
    median_seconds: median(full.map((r) => r.seconds)),
    median_records_per_second: Math.round(rate(full)),
    median_peak_rss_mb: median(full.map((r) => r.peakRssMb)),
    note: 'peak RSS includes the demo gym and the six emulators, which live in the same process',
  },
  capitan_customers_memberships_checkins: {
    product_records_per_second: Math.round(rate(capitanProduct)),
    bare_fetch_records_per_second: Math.round(rate(baseline)),
    product_to_bare_ratio: Number((rate(capitanProduct) / rate(baseline)).toFixed(2)),
  },
});
