import path from 'node:path';
import { type Config, loadConfig } from '../config.ts';
import { startEmulatorsOnThread } from '../sandbox/emulators/emulator-thread.ts';
import { consecutivePorts, defaultSandboxPort } from '../sandbox/emulators/index.ts';
import type { GymSize } from '../sandbox/generate.ts';

export interface SandboxRunOptions {
  size?: GymSize;
  /** The first of the six emulator ports. */
  port?: number;
  /** Where the sandbox's lake lives: a folder or s3://bucket/prefix (default `data/sandbox`). */
  lake?: string;
  /** The emulators' clock; the gym's own as-of date when absent. */
  asOf?: Date;
}

export interface SandboxRun {
  /** The settings that point the product at the emulators and the sandbox's lake. */
  config: Config;
  /** The emulators' clock, which stands for now in the run. */
  clock: Date;
  close(): Promise<void>;
}

/**
 * The sandbox gym behind local emulators (on a thread of their own), for a command that runs the
 * product against it (the daily run's `--sandbox`): the product itself never starts them, it is only
 * given settings and a clock.
 */
export async function startSandboxRun(options: SandboxRunOptions): Promise<SandboxRun> {
  const running = await startEmulatorsOnThread({
    size: options.size ?? 'demo',
    ...(options.asOf ? { asOf: options.asOf.toISOString() } : {}),
    ports: consecutivePorts(options.port ?? defaultSandboxPort),
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...running.env,
    BASIN_LAKE_URL: options.lake ?? path.join('data', 'sandbox'),
  };
  try {
    return { config: loadConfig({ env }), clock: running.clock, close: () => running.close() };
  } catch (error) {
    await running.close();
    throw error;
  }
}
