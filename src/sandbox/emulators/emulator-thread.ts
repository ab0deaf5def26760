import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { GymSize } from '../generate.ts';
import { startModuleWorker } from '../module-worker.ts';
import { type ApiName, apiNames } from './index.ts';

/** What `emulator-worker.ts` is started with. */
export interface EmulatorWorkerData {
  size: GymSize;
  /** The emulators' clock (ISO); the gym's own as-of date when absent. */
  asOf?: string;
  ports: Partial<Record<ApiName, number>>;
}

/** What the worker answers once its emulators listen, or why they could not. */
export const workerAnswerSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ready'),
    urls: z.record(z.enum(apiNames), z.string()),
    env: z.record(z.string(), z.string()),
    clock: z.iso.datetime(),
  }),
  z.object({ kind: z.literal('failed'), message: z.string(), code: z.string().optional() }),
]);
export type WorkerAnswer = z.infer<typeof workerAnswerSchema>;

export interface ThreadedEmulators {
  /** Each emulator's origin, `http://127.0.0.1:PORT`. */
  urls: Record<ApiName, string>;
  /** The product's settings pointing at the emulators, with the sandbox credentials. */
  env: Record<string, string>;
  /** The emulators' clock, which stands for now in the run. */
  clock: Date;
  close(): Promise<void>;
}

/** How long `close` waits for the thread to end on its own before stopping it. */
const CLOSE_GRACE_MS = 5_000;

/**
 * The sandbox gym generated and served on a worker thread of its own, so the emulators' work (their
 * JSON, their garbage) runs beside the product's run on the other core instead of taking turns with
 * it on one event loop, as the real APIs do on their own machines.
 */
export async function startEmulatorsOnThread(data: EmulatorWorkerData): Promise<ThreadedEmulators> {
  const worker = startModuleWorker(import.meta.url, './emulator-worker', { workerData: data });
  const exited = once(worker, 'exit');
  const answer = await firstAnswer(worker);
  if (answer.kind === 'failed') {
    await exited;
    throw Object.assign(new Error(answer.message), answer.code ? { code: answer.code } : {});
  }
  return {
    urls: answer.urls,
    env: answer.env,
    clock: new Date(answer.clock),
    close: async () => {
      worker.postMessage('close');
      const grace = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(grace);
    },
  };
}

function firstAnswer(worker: Worker): Promise<WorkerAnswer> {
  return new Promise((resolve, reject) => {
    worker.once('message', (message: unknown) => resolve(workerAnswerSchema.parse(message)));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`the sandbox emulator thread stopped (exit ${code}) before its emulators listened`)),
    );
  });
}
