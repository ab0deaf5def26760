/** Worker thread of the scale writer: stages the parts the main thread asks for. */
import { parentPort, workerData } from 'node:worker_threads';
import { createContext } from './context.ts';
import { serialiseTotals, stagePart, type WorkerReply } from './staging.ts';

export interface ScaleWorkerData {
  seed: number;
  households: number;
  asOfMs: number;
  timeZone: string;
  perPart: number;
  stagingDir: string;
  /** The clocks rendered: asOf, then each later day's. */
  clocks: number[];
}

const data = workerData as ScaleWorkerData;
const ctx = createContext(data.seed, data.households, new Date(data.asOfMs), data.timeZone);

parentPort?.on('message', (part: number) => {
  const staged = stagePart(ctx, part, data.perPart, data.clocks, data.stagingDir);
  parentPort?.postMessage({
    part: staged.part,
    files: staged.files,
    totals: serialiseTotals(staged.totals),
    days: staged.days.map((d) => ({ files: d.files, totals: serialiseTotals(d.totals) })),
  } satisfies WorkerReply);
});
