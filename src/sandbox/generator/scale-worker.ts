/** Worker thread of the scale writer: stages the parts the main thread asks for. */
import { parentPort, workerData } from 'node:worker_threads';
import { createContext } from './context.ts';
import { stagePart } from './staging.ts';

export interface ScaleWorkerData {
  seed: number;
  households: number;
  asOfMs: number;
  timeZone: string;
  perPart: number;
  stagingDir: string;
}

const data = workerData as ScaleWorkerData;
const ctx = createContext(data.seed, data.households, new Date(data.asOfMs), data.timeZone);

parentPort?.on('message', (part: number) => {
  const staged = stagePart(ctx, part, data.perPart, ctx.asOfMs, data.stagingDir);
  parentPort?.postMessage({
    part: staged.part,
    files: staged.files,
    associationMembers: [...staged.totals.associationMembers],
    reports: [...staged.totals.reports],
  });
});
