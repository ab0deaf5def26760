import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { projectRoot } from './run-cli.ts';

const loader = path.join(projectRoot, 'node_modules/tsx/dist/loader.mjs');

export interface DailyProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed) and the output. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stdout shows the line `▸ <step>`. */
  stepStarted(step: string): Promise<void>;
}

/**
 * Runs `src/daily.ts` in its own Node process (tsx as a loader, not as a wrapper process, so a
 * SIGKILL hits the run itself).
 */
export function startDaily(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): DailyProcess {
  const child = spawn(
    process.execPath,
    ['--import', loader, path.join(projectRoot, 'src/daily.ts'), ...args],
    {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  const waiters: { step: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of [...waiters]) {
      if (stdout.includes(`▸ ${waiter.step}\n`)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    done,
    stepStarted(step) {
      if (stdout.includes(`▸ ${step}\n`)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ step, resolve });
        void done.then(() =>
          reject(new Error(`the run ended before step ${step} began:\n${stdout}\n${stderr}`)),
        );
      });
    },
  };
}

/** The daily run's options for the tiny sandbox gym, its emulators from `port`, into `lake`. */
export function tinySandboxArgs(port: number, lake: string): string[] {
  return ['--sandbox', '--sandbox-size', 'tiny', '--sandbox-port', String(port), '--sandbox-lake', lake];
}

/** The first of `count` consecutive free ports on 127.0.0.1 (the sandbox's emulators take six). */
export async function freePortRange(count = 6): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20_000 + Math.floor(Math.random() * 40_000);
    let free = true;
    for (let port = first; port < first + count && free; port++) free = await isFree(port);
    if (free) return first;
  }
  throw new Error('no free range of ports');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
