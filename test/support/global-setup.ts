import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder for this test run only, where the shared demo lake is built on first use. */
    demoLakeRoot: string;
  }
}

/**
 * Once per test run: a folder for the shared demo-gym lake (`test/support/demo-lake.ts`). The lake
 * itself is built by the first test file that asks for it, so a run of unrelated files pays nothing.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'basin-demo-lake-'));
  project.provide('demoLakeRoot', root);
  return () => rm(root, { recursive: true, force: true });
}
