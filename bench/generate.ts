/**
 * Sandbox gym generation speed: (a) the demo gym in memory, median of several runs; (b) the scale
 * writer straight to raw Parquet at a scale factor of demo (default 100), with wall time, CPU time
 * (all threads), rows per stream and peak memory.
 *
 *   npx tsx bench/generate.ts [--runs 5] [--scale 100] [--workers 2]
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateGym } from '../src/sandbox/generate.ts';
import { writeScaleLake } from '../src/sandbox/scale-writer.ts';
import { exitWithHelpIfAsked, median, report, timed, trackPeakRss } from './measure.ts';

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    scale: { type: 'string', default: '100' },
    workers: { type: 'string', default: '2' },
  },
});
const runs = Number(values.runs);
const scale = Number(values.scale);
const workers = Number(values.workers);
const loadAtStart = os.loadavg().map((n) => Math.round(n * 100) / 100);

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

// (b) The scale writer, first, so the peak memory is its own.
const dir = await mkdtemp(path.join(os.tmpdir(), 'basin-bench-scale-'));
try {
  const stopRss = trackPeakRss(250);
  const cpuBefore = process.cpuUsage();
  const { result, seconds } = await timed(() =>
    writeScaleLake({
      scale,
      dir,
      workers,
      onProgress: (done, total) => {
        if (done % 10 === 0 || done === total) console.error(`scale ${scale}: part ${done}/${total}`);
      },
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const peakRssMb = stopRss();
  // (a) The demo gym, in memory.
  const demoSeconds: number[] = [];
  let demoCustomers = 0;
  for (let run = 0; run < runs; run++) {
    const { result, seconds } = await timed(async () => generateGym({ size: 'demo', seed: 1 }));
    demoSeconds.push(seconds);
    demoCustomers = result.capitan.customers(result.asOf).length;
    console.error(`demo run ${run + 1}/${runs}: ${seconds.toFixed(2)} s`);
  }

  const rows = result.rows;
  const events = [
    'capitan/checkins',
    'stripe/payment_intents',
    'stripe/refunds',
    'square/payments',
    'square/orders',
    'square/refunds',
    'mailchimp/email_activity',
  ].reduce((n, stream) => n + (rows[stream] ?? 0), 0);
  await report('generate', {
    cores: os.availableParallelism(),
    load_average_at_start: loadAtStart,
    load_average_at_end: os.loadavg().map((n) => Math.round(n * 100) / 100),
    demo: {
      runs,
      median_seconds: Math.round(median(demoSeconds) * 100) / 100,
      seconds: demoSeconds.map((s) => Math.round(s * 100) / 100),
      customers: demoCustomers,
      target_seconds: 20,
    },
    scale_writer: {
      scale,
      workers,
      households: result.households,
      wall_seconds: Math.round(seconds * 10) / 10,
      cpu_seconds_all_threads: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      peak_rss_mb: peakRssMb,
      customers: rows['capitan/customers'] ?? 0,
      events,
      total_rows: Object.values(rows).reduce((a, b) => a + b, 0),
      parquet_files: result.files,
      parquet_mb: Math.round((await bytesUnder(path.join(dir, 'raw'))) / 1024 / 1024),
      rows_per_stream: rows,
    },
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
