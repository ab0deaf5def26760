import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CountryCode } from 'libphonenumber-js/max';
import { parsePhoneKey } from './phones.ts';

// parsePhoneKey's validation (phones.ts) as plain CommonJS, since a worker thread cannot load
// TypeScript without a loader; test/identity/phones.test.ts checks the two agree.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { parsePhoneNumberFromString } = require(workerData.library);
parentPort.postMessage(workerData.keys.map((key) => {
  const parsed = parsePhoneNumberFromString(key, workerData.region);
  return parsed && parsed.isValid() ? parsed.number : null;
}));
`;

const library = createRequire(import.meta.url).resolve('libphonenumber-js/max');

/** Below this many keys a thread's start (loading the full metadata) costs more than it saves. */
const MIN_KEYS_PER_THREAD = 50_000;

/**
 * The E.164 form of each phone key (null when invalid). Many keys are validated on one worker
 * thread per core: libphonenumber with its full metadata is the slowest step of resolving a million
 * customers, and DuckDB sits idle while it runs. Few keys are validated here.
 */
export async function parsePhoneKeysInParallel(
  keys: string[],
  region: CountryCode,
): Promise<(string | null)[]> {
  const threads = Math.min(os.availableParallelism(), Math.floor(keys.length / MIN_KEYS_PER_THREAD));
  if (threads < 2) return keys.map((key) => parsePhoneKey(key, region).e164);
  const size = Math.ceil(keys.length / threads);
  const batches = Array.from({ length: threads }, (_, i) => keys.slice(i * size, (i + 1) * size));
  return (await Promise.all(batches.map((batch) => validateOnWorker(batch, region)))).flat();
}

function validateOnWorker(keys: string[], region: CountryCode): Promise<(string | null)[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, { eval: true, workerData: { keys, region, library } });
    let answered = false;
    worker.once('message', (e164: (string | null)[]) => {
      answered = true;
      resolve(e164);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the phone validation thread stopped (exit ${code}) before answering`));
    });
  });
}
