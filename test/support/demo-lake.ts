import { cp, open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { freePortRange, startDaily } from './daily-process.ts';

/** The demo gym's lake as `npm run demo` leaves it: a full backfill through the emulators. */
export interface DemoLake {
  /** The lake folder. Shared by every test file of the run: read it, never write into it. */
  lakeDir: string;
  /** The reports the run rendered. */
  reportsDir: string;
  /** What the daily run printed. */
  stdout: string;
}

const BUILD_TIMEOUT_MS = 15 * 60_000;
/** A `beforeAll` timeout for tests that wait on the shared lake (its build, on a busy machine). */
export const BUILD_WAIT_MS = BUILD_TIMEOUT_MS + 60_000;

/**
 * The demo-scale lake shared by every test file of one test run, built once: the first caller (in
 * whichever worker) runs the daily job against the sandbox; the others wait for it. A test that
 * needs to write copies it first (`copyDemoLake`).
 */
export async function sharedDemoLake(): Promise<DemoLake> {
  const root = inject('demoLakeRoot');
  const done = path.join(root, 'built.json');
  const failed = path.join(root, 'failed.txt');
  const claim = await open(path.join(root, 'building'), 'wx').catch(() => undefined);
  if (claim) {
    await claim.close();
    await build(root, done, failed);
  }
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    const built = await readFile(done, 'utf8').catch(() => undefined);
    if (built) return JSON.parse(built) as DemoLake;
    const failure = await readFile(failed, 'utf8').catch(() => undefined);
    if (failure) throw new Error(`the shared demo lake could not be built:\n${failure}`);
    if (Date.now() > deadline)
      throw new Error(`the shared demo lake was not built within 15 minutes (${root})`);
    await sleep(500);
  }
}

/** A private copy of the shared demo lake at `dir`, for a test that writes. */
export async function copyDemoLake(dir: string): Promise<string> {
  const { lakeDir } = await sharedDemoLake();
  const copy = path.join(dir, 'lake');
  await cp(lakeDir, copy, { recursive: true });
  return copy;
}

async function build(root: string, done: string, failed: string): Promise<void> {
  const lakeDir = path.join(root, 'lake');
  const run = startDaily(
    ['--sandbox', '--sandbox-lake', lakeDir, '--sandbox-port', String(await freePortRange())],
    { cwd: root },
  );
  const { code, stdout, stderr } = await run.done;
  if (code !== 0) {
    await writeFile(failed, `exit ${code}\n${stdout}\n${stderr}`);
    return;
  }
  const lake: DemoLake = { lakeDir, reportsDir: path.join(root, 'data', 'reports'), stdout };
  await writeFile(`${done}.tmp`, JSON.stringify(lake));
  await rename(`${done}.tmp`, done);
}
