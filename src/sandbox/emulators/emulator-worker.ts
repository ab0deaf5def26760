import { parentPort, workerData } from 'node:worker_threads';
import { generateGym } from '../generate.ts';
import type { EmulatorWorkerData, WorkerAnswer } from './emulator-thread.ts';
import { startEmulators } from './index.ts';

// The worker side of `startEmulatorsOnThread`: generates the gym, serves it until told to close.
const data = workerData as EmulatorWorkerData;
const port = parentPort!;
const answer = (message: WorkerAnswer) => port.postMessage(message);
try {
  const gym = generateGym({ size: data.size });
  const clock = data.asOf ? new Date(data.asOf) : gym.asOf;
  const running = await startEmulators(gym, { clock, ports: data.ports });
  port.once('message', async () => {
    await running.close();
    port.close();
  });
  answer({ kind: 'ready', urls: running.urls, env: running.env, clock: clock.toISOString() });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  answer({ kind: 'failed', message: (error as Error).message, ...(code ? { code } : {}) });
  port.close();
}
