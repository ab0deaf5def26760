import os from 'node:os';
import { defineConfig } from 'vitest/config';
import { SpawnsFirstSequencer } from './test/support/sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // At least two: vitest's default (one fewer than the cores) leaves a 2-core CI machine one worker, idle
    // while a test waits on a daily run it spawned or on the shared demo lake's build.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    sequence: { sequencer: SpawnsFirstSequencer },
    env: { TZ: 'UTC' },
  },
});
